using System.ClientModel;
using System.Text;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // the SDK marks its Responses client experimental

namespace Gateway.Tests.Api;

/// <summary>The official OpenAI .NET SDK's Responses client reads the gateway's responses, whole, streamed and chained.</summary>
public sealed class OpenAiSdkResponsesTests(GatewayHost host) : IClassFixture<GatewayHost>, IDisposable
{
    public void Dispose() => host.Scheduler.Script = _ => FakeReply.Default;

    [Fact]
    public async Task CreateResponse_ReadsOutputTextStatusAndUsage()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);

        ResponseResult response = await Client().CreateResponseAsync(Options("Hi"), cts.Token);

        Assert.Equal("Hello, world", response.GetOutputText());
        Assert.Equal(ResponseStatus.Incomplete, response.Status);
        Assert.Equal(FakeScheduler.PromptTokens, response.Usage.InputTokenCount);
        Assert.Equal(3, response.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task CreateResponseStreaming_ReadsEveryDeltaAndTheFinishedResponse()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        host.Scheduler.Script = _ => new FakeReply(["Hello", ",", " world"], FinishReason.Stop);
        var text = new StringBuilder();
        ResponseResult? final = null;

        var options = Options("Hi");
        options.StreamingEnabled = true;

        await foreach (var update in await Client().CreateResponseStreamingAsync(options, cts.Token))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
            }
            else if (update is StreamingResponseCompletedUpdate completed)
            {
                final = completed.Response;
            }
        }

        Assert.Equal("Hello, world", text.ToString());
        Assert.Equal(ResponseStatus.Completed, final!.Status);
        Assert.Equal("Hello, world", final.GetOutputText());
    }

    [Fact]
    public async Task AFunctionCall_ComesBackAsAFunctionCallItem_AndItsOutputGoesBackWithPreviousResponseId()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        host.Scheduler.Script = r => r.Chat?.MessagesJson.Contains("sunny", StringComparison.Ordinal) == true
            ? new FakeReply(["It is sunny."], FinishReason.Stop)
            : new FakeReply(["<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"], FinishReason.Stop);
        var options = Options("Weather in Paris?");
        options.Tools.Add(ResponseTool.CreateFunctionTool(
            "get_weather", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}"""), strictModeEnabled: false));

        ResponseResult first = await Client().CreateResponseAsync(options, cts.Token);

        var call = Assert.IsType<FunctionCallResponseItem>(Assert.Single(first.OutputItems));
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("""{"city": "Paris"}""", call.FunctionArguments.ToString());

        var next = new CreateResponseOptions(FakeScheduler.ModelName, [ResponseItem.CreateFunctionCallOutputItem(call.CallId, "sunny")])
        {
            PreviousResponseId = first.Id,
        };
        ResponseResult second = await Client().CreateResponseAsync(next, cts.Token);

        Assert.Equal("It is sunny.", second.GetOutputText());
        var sent = host.Scheduler.Requests.Last(r => r.Chat?.MessagesJson.Contains("sunny", StringComparison.Ordinal) == true);
        Assert.Contains("Weather in Paris?", sent.Chat.MessagesJson, StringComparison.Ordinal);
        Assert.Contains(call.CallId, sent.Chat.MessagesJson, StringComparison.Ordinal);
    }

    private static CreateResponseOptions Options(string userText) => new(FakeScheduler.ModelName, [ResponseItem.CreateUserMessageItem(userText)]);

    private ResponsesClient Client() => new(new ApiKeyCredential("unused"), new ResponsesClientOptions { Endpoint = new Uri(host.HttpAddress, "/v1") });
}
