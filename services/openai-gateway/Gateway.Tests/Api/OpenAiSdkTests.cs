using System.ClientModel;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

namespace Gateway.Tests.Api;

/// <summary>The official OpenAI .NET SDK reads the gateway's answers.</summary>
public sealed class OpenAiSdkTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task ChatClient_CompleteChat_ReadsContentFinishReasonAndUsage()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);

        ChatCompletion completion = await Chat().CompleteChatAsync(
            [new UserChatMessage("Hi")], cancellationToken: cts.Token);

        Assert.Equal("Hello, world", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(7, completion.Usage.InputTokenCount);
        Assert.Equal(3, completion.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task ChatClient_Streaming_ReadsEveryUpdate()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        var text = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;

        await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage("Hi")], cancellationToken: cts.Token))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal("Hello, world", text.ToString());
        Assert.Equal(ChatFinishReason.Length, finish);
    }

    /// <summary>Every option the SDK sends is a field the gateway knows: none is logged as ignored.</summary>
    [Fact]
    public async Task ChatClient_EveryCommonOption_IsAFieldTheGatewayKnows()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        int warningsBefore = host.Logs.IgnoredFieldWarnings.Count;
        var options = new ChatCompletionOptions
        {
            Temperature = 0.5f,
            TopP = 0.9f,
            MaxOutputTokenCount = 8,
            FrequencyPenalty = 0.1f,
            PresencePenalty = 0.1f,
#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK
            Seed = 7,
#pragma warning restore OPENAI001
            StopSequences = { "\n\n" },
            EndUserId = "user-1",
            StoredOutputEnabled = false,
            Metadata = { ["k"] = "v" },
            IncludeLogProbabilities = true,
            TopLogProbabilityCount = 2,
            ResponseFormat = ChatResponseFormat.CreateTextFormat(),
            AllowParallelToolCalls = true,
            ToolChoice = ChatToolChoice.CreateAutoChoice(),
            Tools = { ChatTool.CreateFunctionTool("get_weather", "Weather of a city", BinaryData.FromString("""{"type":"object"}""")) },
        };

        ChatCompletion completion = await Chat().CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Hi")], options, cts.Token);

        Assert.Equal("Hello, world", completion.Content[0].Text);
        Assert.Empty(host.Logs.IgnoredFieldWarnings.Skip(warningsBefore));
    }

    [Fact]
    public async Task ChatClient_ToolCall_ReadsFunctionNameAndArguments()
    {
        host.Scheduler.Script = _ => new FakeReply(
            ["<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"],
            Inference.Contracts.Scheduler.V1.FinishReason.Stop);
        try
        {
            using var cts = new CancellationTokenSource(GatewayHost.Timeout);
            var options = new ChatCompletionOptions
            {
                Tools =
                {
                    ChatTool.CreateFunctionTool(
                        "get_weather",
                        "Weather of a city",
                        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}""")),
                },
            };

            ChatCompletion completion = await Chat().CompleteChatAsync(
                [new UserChatMessage("weather in Paris?")], options, cts.Token);

            Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
            var call = Assert.Single(completion.ToolCalls);
            Assert.Equal("get_weather", call.FunctionName);
            Assert.Equal("Paris", System.Text.Json.JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }

    [Fact]
    public async Task ChatClient_StreamedToolCall_ArgumentFragmentsConcatenateToTheArguments()
    {
        host.Scheduler.Script = _ => new FakeReply(
            ["Checking. ", "<tool_call>\n{\"name\": \"get_weather\", ", "\"arguments\": {\"city\": ", "\"Paris\", \"days\": [1, ", "2]}}\n</tool_call>"],
            Inference.Contracts.Scheduler.V1.FinishReason.Stop);
        try
        {
            using var cts = new CancellationTokenSource(GatewayHost.Timeout);
            var options = new ChatCompletionOptions
            {
                Tools = { ChatTool.CreateFunctionTool("get_weather", "Weather of a city", BinaryData.FromString("""{"type":"object"}""")) },
            };

            var content = new System.Text.StringBuilder();
            var arguments = new System.Text.StringBuilder();
            string? name = null;
            var argumentUpdates = 0;
            ChatFinishReason? finish = null;
            await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage("weather?")], options, cts.Token))
            {
                foreach (var part in update.ContentUpdate) content.Append(part.Text);
                foreach (var call in update.ToolCallUpdates)
                {
                    name ??= call.FunctionName;
                    if (call.FunctionArgumentsUpdate is { } piece && !piece.ToMemory().IsEmpty)
                    {
                        arguments.Append(piece.ToString());
                        argumentUpdates++;
                    }
                }

                finish ??= update.FinishReason;
            }

            Assert.Equal("Checking. ", content.ToString());
            Assert.Equal("get_weather", name);
            Assert.True(argumentUpdates > 1, "the arguments arrived in one piece");
            Assert.Equal("""{"city": "Paris", "days": [1, 2]}""", arguments.ToString());
            Assert.Equal(ChatFinishReason.ToolCalls, finish);
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }

    [Fact]
    public async Task ModelClient_GetModels_ListsTheServedModel()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        var client = new OpenAIModelClient(new ApiKeyCredential("unused"), Options());

        OpenAIModelCollection models = await client.GetModelsAsync(cts.Token);

        Assert.Equal(FakeScheduler.ModelName, Assert.Single(models).Id);
    }

    private ChatClient Chat() => new(FakeScheduler.ModelName, new ApiKeyCredential("unused"), Options());

    private OpenAIClientOptions Options() => new() { Endpoint = new Uri(host.HttpAddress, "/v1") };
}
