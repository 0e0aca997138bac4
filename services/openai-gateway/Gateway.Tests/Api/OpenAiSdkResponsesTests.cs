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
    public async Task ABackgroundStream_LeftMidway_IsResumedByGetResponseStreaming_StartingAfterTheLastEventSeen()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        host.Scheduler.Script = _ => new FakeReply(["Hello", ",", " world"], FinishReason.Stop);
        var options = Options("Hi");
        options.StreamingEnabled = true;
        options.BackgroundModeEnabled = true;
        var text = new StringBuilder();
        var updates = new List<StreamingResponseUpdate>();

        await foreach (var update in await Client().CreateResponseStreamingAsync(options, cts.Token))
        {
            updates.Add(update);
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
                break;
            }
        }

        var id = Assert.IsType<StreamingResponseCreatedUpdate>(updates[0]).Response.Id;
        Assert.IsType<StreamingResponseQueuedUpdate>(updates[1]);
        await foreach (var update in await Client().GetResponseStreamingAsync(new GetResponseOptions(id) { StreamingEnabled = true, StartingAfter = updates[^1].SequenceNumber }, cts.Token))
        {
            Assert.Equal(updates[^1].SequenceNumber + 1, update.SequenceNumber);
            updates.Add(update);
            text.Append((update as StreamingResponseOutputTextDeltaUpdate)?.Delta);
        }

        Assert.Equal("Hello, world", text.ToString());
        var final = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]).Response;
        Assert.Equal("Hello, world", final.GetOutputText());
        Assert.Equal(ResponseStatus.Completed, (await Client().GetResponseAsync(id, cts.Token)).Value.Status);
    }

    [Fact]
    public async Task ABackgroundStreamCancelled_EndsWithAnEventTheSdkReadsAsUnknown_NotAsAFailure()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        host.Scheduler.Script = _ => new FakeReply(["first", "never"], FinishReason.Length, HangAfterFirst: true);
        var options = Options("Hi");
        options.StreamingEnabled = true;
        options.BackgroundModeEnabled = true;
        var updates = new List<StreamingResponseUpdate>();

        await foreach (var update in await Client().CreateResponseStreamingAsync(options, cts.Token))
        {
            updates.Add(update);
            if (update is StreamingResponseOutputTextDeltaUpdate)
            {
                var id = Assert.IsType<StreamingResponseCreatedUpdate>(updates[0]).Response.Id;
                Assert.Equal(ResponseStatus.Cancelled, (await Client().CancelResponseAsync(id, cts.Token)).Value.Status);
            }
        }

        var last = updates[^1];
        Assert.IsNotType<StreamingResponseOutputTextDeltaUpdate>(last);
        Assert.IsNotType<StreamingResponseFailedUpdate>(last);
        Assert.IsNotType<StreamingResponseCompletedUpdate>(last);
        Assert.Equal(updates[^2].SequenceNumber + 1, last.SequenceNumber);
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
