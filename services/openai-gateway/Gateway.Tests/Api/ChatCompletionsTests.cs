using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using static Gateway.Tests.Hosting.ChatChunks;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

public sealed class ChatCompletionsTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    private const string WeatherTools =
        """[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]""";

    private static readonly string[] _toolCallPieces =
        ["Let me check. ", "<tool_", "call>\n{\"name\": \"get_weather\", \"arguments\": {\"ci", "ty\": \"Par", "is\"}}\n</tool_call>"];

    [Fact]
    public async Task Chat_NonStreaming_ReturnsAssistantMessage()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions", """{"model":"qwen-fake","messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(200, answer.Status);
        var body = answer.Json;
        Assert.StartsWith("chatcmpl-", body.GetProperty("id").GetString());
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("Hello, world", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(10, body.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Chat_PassesMessagesToolsAndTemplateKwargsThroughAsTheClientsJson()
    {
        const string messages =
            """[{"role":"user","content":[{"type":"text","text":"passthrough"}]},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","name":"f","content":"42"}]""";
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions", $$"""
            {"messages":{{messages}},"tools":{{WeatherTools}},"chat_template_kwargs":{"enable_thinking":false},
             "add_generation_prompt":false,"max_completion_tokens":9,"max_tokens":100}
            """);

        Assert.Equal(200, answer.Status);
        var sent = Assert.Single(host.Scheduler.Requests, r => r.Chat?.MessagesJson.Contains("passthrough") == true);
        Assert.Equal(messages, sent.Chat.MessagesJson);
        Assert.Equal(WeatherTools, sent.Chat.ToolsJson);
        Assert.Equal("""{"enable_thinking":false}""", sent.Chat.TemplateKwargsJson);
        Assert.False(sent.Chat.AddGenerationPrompt);
        Assert.Equal(9, sent.Stopping.MaxTokens);
    }

    [Fact]
    public async Task Chat_WithoutMaxTokens_LetsTheSchedulerUseTheContextLimit()
    {
        await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"no limit"}]}""");

        var sent = Assert.Single(host.Scheduler.Requests, r => r.Chat?.MessagesJson.Contains("no limit") == true);
        Assert.False(sent.Stopping.HasMaxTokens);
        Assert.True(sent.Chat.AddGenerationPrompt);
    }

    [Fact]
    public async Task Chat_ContinueFinalMessage_ReachesTheSchedulerWithoutAGenerationPrompt()
    {
        await host.Http.PostJsonAsync("/v1/chat/completions",
            """{"messages":[{"role":"user","content":"continue me"},{"role":"assistant","content":"One,"}],"continue_final_message":true}""");

        var chat = Assert.Single(host.Scheduler.Requests, r => r.Chat?.MessagesJson.Contains("continue me", StringComparison.Ordinal) == true).Chat;
        Assert.True(chat.ContinueFinalMessage);
        Assert.False(chat.AddGenerationPrompt);
    }

    [Fact]
    public async Task Chat_ContinueFinalMessageWithAddGenerationPrompt_Returns400NamingContinueFinalMessage()
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions",
            """{"messages":[{"role":"user","content":"x"}],"continue_final_message":true,"add_generation_prompt":true}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("continue_final_message", answer.Json.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Chat_DocumentsReachTheTemplateAsItsDocumentsVariable_KwargsWinning()
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions",
            """{"messages":[{"role":"user","content":"rag"}],"documents":[{"title":"T","text":"X"}],"chat_template_kwargs":{"enable_thinking":false}}""");
        var bad = await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"rag"}],"documents":[{"title":1}]}""");

        Assert.Equal(200, answer.Status);
        var sent = host.Scheduler.Requests.Last(r => r.Chat?.MessagesJson.Contains("\"rag\"", StringComparison.Ordinal) == true);
        Assert.Equal("""{"documents":[{"title":"T","text":"X"}],"enable_thinking":false}""", sent.Chat.TemplateKwargsJson);
        Assert.Equal(400, bad.Status);
        Assert.Equal("documents", bad.ErrorParam);
    }

    [Fact]
    public async Task Chat_ToolCallInTheAnswer_ReturnsToolCallsAndFinishReasonToolCalls()
    {
        using var script = UseScript(new FakeReply(_toolCallPieces[1..], FinishReason.Stop));

        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions", $$"""{"messages":[{"role":"user","content":"weather?"}],"tools":{{WeatherTools}}}""");

        var choice = answer.Json.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        var call = Assert.Single(message.GetProperty("tool_calls").EnumerateArray());
        Assert.StartsWith("chatcmpl-tool-", call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        var arguments = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement;
        Assert.Equal("Paris", arguments.GetProperty("city").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Chat_ToolCallCutShortByMaxTokens_IsTheCallSoFarWithFinishReasonLength(bool stream)
    {
        using var script = UseScript(new FakeReply(
            ["Let me check. <tool_call>{\"name\": \"get_weather\", \"argu", "ments\": {\"city\": \"Par"], FinishReason.Length));

        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions",
            $$"""{"messages":[{"role":"user","content":"weather?"}],"tools":{{WeatherTools}},"stream":{{(stream ? "true" : "false")}}}""");

        string content, name, arguments, finishReason;
        if (stream)
        {
            var calls = ToolCallDeltas(answer.SseChunks);
            (content, name) = (ContentOf(answer.SseChunks), calls[0].GetProperty("function").GetProperty("name").GetString()!);
            arguments = string.Concat(calls.Select(c => c.GetProperty("function").GetProperty("arguments").GetString()));
            finishReason = answer.SseChunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString()!;
        }
        else
        {
            var choice = answer.Json.GetProperty("choices")[0];
            var call = Assert.Single(choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray());
            (content, name) = (choice.GetProperty("message").GetProperty("content").GetString()!, call.GetProperty("function").GetProperty("name").GetString()!);
            arguments = call.GetProperty("function").GetProperty("arguments").GetString()!;
            finishReason = choice.GetProperty("finish_reason").GetString()!;
        }

        Assert.Equal(("Let me check. ", "get_weather", "{\"city\": \"Par", "length"), (content, name, arguments, finishReason));
    }

    [Fact]
    public async Task Chat_ParallelToolCallsFalse_ReturnsOnlyTheFirstCall()
    {
        using var script = UseScript(new FakeReply(
            ["<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}</tool_call>\n<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}</tool_call>"],
            FinishReason.Stop));

        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions",
            $$"""{"messages":[{"role":"user","content":"two cities"}],"tools":{{WeatherTools}},"parallel_tool_calls":false}""");

        var calls = answer.Json.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls");
        Assert.Equal(1, calls.GetArrayLength());
        Assert.Contains("Paris", calls[0].GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public async Task Chat_EchoAfterAnAssistantMessage_LeadsTheContentWithItWholeAndStreamed()
    {
        const string messages = """[{"role":"user","content":"Hi"},{"role":"assistant","content":"Well, "}]""";

        var whole = await host.Http.PostJsonAsync("/v1/chat/completions",
            $$"""{"messages":{{messages}},"echo":true,"continue_final_message":true}""");
        var streamed = await host.Http.PostJsonAsync("/v1/chat/completions",
            $$"""{"messages":{{messages}},"echo":true,"continue_final_message":true,"stream":true}""");

        Assert.Equal("Well, Hello, world", whole.Json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("Well, Hello, world", ContentOf(streamed.SseChunks));
    }

    [Fact]
    public async Task Chat_EchoAfterAUserMessage_AddsNothing()
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"Hi"}],"echo":true}""");

        Assert.Equal("Hello, world", answer.Json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task Chat_ToolCallMarkupWithoutTools_IsPlainContent()
    {
        using var script = UseScript(new FakeReply(_toolCallPieces, FinishReason.Stop));

        var answer = await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"x"}]}""");

        var choice = answer.Json.GetProperty("choices")[0];
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(string.Concat(_toolCallPieces), choice.GetProperty("message").GetProperty("content").GetString());
        Assert.False(choice.GetProperty("message").TryGetProperty("tool_calls", out _));
    }

    [Fact]
    public async Task Chat_Streaming_SendsRoleFirstThenContentThenFinishThenDone()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions", """{"messages":[{"role":"user","content":"Hi"}],"stream":true}""");

        Assert.Equal("text/event-stream", answer.MediaType);
        Assert.Equal("[DONE]", answer.SseEvents[^1]);
        var chunks = answer.SseChunks;
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        var first = chunks[0].GetProperty("choices")[0].GetProperty("delta");
        Assert.Equal("assistant", first.GetProperty("role").GetString());
        Assert.Equal("", first.GetProperty("content").GetString());
        Assert.Equal("Hello, world", ContentOf(chunks));
        Assert.Equal("length", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.All(chunks.SkipLast(1), c =>
            Assert.Equal(JsonValueKind.Null, c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind));
    }

    [Fact]
    public async Task Chat_StreamingWithIncludeUsage_EndsWithUsageChunk()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions",
            """{"messages":[{"role":"user","content":"Hi"}],"stream":true,"stream_options":{"include_usage":true}}""");

        var last = answer.SseChunks[^1];
        Assert.Equal(0, last.GetProperty("choices").GetArrayLength());
        Assert.Equal(7, last.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Chat_StreamingToolCall_KeepsMarkupOutOfContentAndStreamsTheCallAsItIsGenerated()
    {
        using var script = UseScript(new FakeReply(_toolCallPieces, FinishReason.Stop));

        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions",
            $$"""{"messages":[{"role":"user","content":"weather?"}],"tools":{{WeatherTools}},"stream":true}""");

        var chunks = answer.SseChunks;
        Assert.Equal("Let me check. ", ContentOf(chunks));
        var calls = ToolCallDeltas(chunks);
        Assert.All(calls, c => Assert.Equal(0, c.GetProperty("index").GetInt32()));
        Assert.Equal("get_weather", calls[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("function", calls[0].GetProperty("type").GetString());
        Assert.All(calls.Skip(1), c => Assert.False(c.TryGetProperty("id", out _)));
        var arguments = string.Concat(calls.Select(c => c.GetProperty("function").GetProperty("arguments").GetString()));
        Assert.Equal("Paris", JsonDocument.Parse(arguments).RootElement.GetProperty("city").GetString());
        Assert.Equal("tool_calls", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Chat_Logprobs_ReturnsOneEntryPerTokenWithTopAlternatives()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions",
            """{"messages":[{"role":"user","content":"lp"}],"logprobs":true,"top_logprobs":1}""");

        Assert.Equal(200, answer.Status);
        var content = answer.Json.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content");
        Assert.Equal(3, content.GetArrayLength());
        var first = content[0];
        Assert.Equal("tok0", first.GetProperty("token").GetString());
        Assert.Equal(-0.5, first.GetProperty("logprob").GetDouble());
        Assert.Equal("tok0"u8.ToArray().Select(b => (int)b), first.GetProperty("bytes").EnumerateArray().Select(b => b.GetInt32()));
        var top = Assert.Single(first.GetProperty("top_logprobs").EnumerateArray());
        Assert.Equal("alt0", top.GetProperty("token").GetString());
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"cap"}],"max_completion_tokens":5000}""", "max_completion_tokens")]
    [InlineData("""{"messages":[{"role":"user","content":"cap"}],"max_tokens":5000}""", "max_tokens")]
    public async Task TheEnginesRefusalOfTheTokenLimit_NamesTheFieldTheClientSent(string json, string param)
    {
        // The engine knows the limit as max_tokens; a client that sent max_completion_tokens is told about that field.
        using var script = UseScript(new FakeReply([], FinishReason.Stop,
            Refusal: ("max_tokens", "This model's maximum context length is 4096 tokens. However, you requested 5030 tokens " +
                "(30 in the prompt, 5000 in the completion via max_tokens). Please reduce the length of the prompt or max_tokens.")));

        var answer = await host.Http.PostJsonAsync("/v1/chat/completions", json);

        Assert.Equal(400, answer.Status);
        Assert.Equal(param, answer.ErrorParam);
        var message = answer.Error.GetProperty("message").GetString()!;
        Assert.Contains($"via {param})", message, StringComparison.Ordinal);
        Assert.EndsWith($"or {param}.", message, StringComparison.Ordinal);
    }

    private ScriptScope UseScript(FakeReply reply)
    {
        host.Scheduler.Script = _ => reply;
        return new ScriptScope(host.Scheduler);
    }

    /// <summary>Puts the default script back when a test ends.</summary>
    private sealed class ScriptScope(FakeScheduler scheduler) : IDisposable
    {
        public void Dispose() => scheduler.Script = _ => FakeReply.Default;
    }
}
