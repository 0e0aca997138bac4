using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;
using static Gateway.Tests.Hosting.ChatChunks;

namespace Gateway.Tests.Api;

/// <summary>A gateway started with vLLM's qwen3 reasoning parser.</summary>
public sealed class Qwen3ReasoningGatewayHost : GatewayHost
{
    protected override IEnumerable<string> ExtraArgs => ["--Gateway:ReasoningParser", "qwen3"];
}

/// <summary>A gateway started with vLLM's deepseek_r1 reasoning parser.</summary>
public sealed class DeepSeekR1ReasoningGatewayHost : GatewayHost
{
    protected override IEnumerable<string> ExtraArgs => ["--Gateway:ReasoningParser", "deepseek_r1"];
}

/// <summary>
/// With a reasoning parser, a chat answer's <c>&lt;think&gt;</c> block goes to message.reasoning and
/// message.reasoning_content (streamed: delta.reasoning and delta.reasoning_content), the rest to content, as vLLM's
/// <c>--reasoning-parser</c> does; tool calls are read from what follows the block.
/// </summary>
public sealed class ReasoningParserTests(Qwen3ReasoningGatewayHost host) : IClassFixture<Qwen3ReasoningGatewayHost>, IDisposable
{
    /// <summary>Qwen3's thinking answer, one piece per token as the model writes it (the tags are single tokens).</summary>
    private static readonly string[] Thinking = ["<think>", "\n", "The user", " greets", ".", "\n", "</think>", "\n\n", "Hello", "!"];

    public void Dispose() => host.Scheduler.Script = _ => FakeReply.Default;

    [Fact]
    public async Task TheThinkBlock_GoesToReasoningUnderBothNames_AndTheRestToContent()
    {
        Reply("whole", Thinking);

        var message = (await Chat("whole")).Json.GetProperty("choices")[0].GetProperty("message");

        Assert.Equal("The user greets.", message.GetProperty("reasoning").GetString());
        Assert.Equal("The user greets.", message.GetProperty("reasoning_content").GetString());
        Assert.Equal("Hello!", message.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Streamed_ReasoningDeltasThenContentDeltas_ConcatenateToTheWholeAnswersSplit()
    {
        Reply("streamed", Thinking);

        var chunks = (await Chat("streamed", ""","stream":true""")).SseChunks;

        var deltas = chunks.Select(c => c.GetProperty("choices")[0].GetProperty("delta")).ToList();
        Assert.Equal("The user greets.", string.Concat(deltas.Select(d => Text(d, "reasoning"))));
        Assert.Equal("The user greets.", string.Concat(deltas.Select(d => Text(d, "reasoning_content"))));
        Assert.Equal("Hello!", ContentOf(chunks));
        int lastReasoning = deltas.FindLastIndex(d => d.TryGetProperty("reasoning", out _));
        int firstContent = deltas.FindIndex(d => Text(d, "content").Length > 0);
        Assert.True(lastReasoning < firstContent, "the reasoning is streamed before the content");
        Assert.DoesNotContain(deltas, d => d.TryGetProperty("reasoning", out _) && d.TryGetProperty("content", out _));
    }

    [Fact]
    public async Task AnAnswerThatDoesNotOpenWithThink_IsContentAsGenerated()
    {
        Reply("no think", "Hello", " <think>", "!");

        var message = (await Chat("no think")).Json.GetProperty("choices")[0].GetProperty("message");

        Assert.Equal("Hello <think>!", message.GetProperty("content").GetString());
        Assert.False(message.TryGetProperty("reasoning", out _));
        Assert.False(message.TryGetProperty("reasoning_content", out _));
    }

    [Fact]
    public async Task AnAnswerCutShortWhileThinking_HasReasoningAndNullContent()
    {
        host.Scheduler.Script = r => r.Chat?.MessagesJson.Contains("\"cut\"", StringComparison.Ordinal) == true
            ? new FakeReply(["<think>", "\n", "Hmm", "</th"], FinishReason.Length)
            : FakeReply.Default;

        var choice = (await Chat("cut")).Json.GetProperty("choices")[0];

        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal("Hmm</th", choice.GetProperty("message").GetProperty("reasoning").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("content").ValueKind);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IncludeReasoningFalse_LeavesTheReasoningOut(bool stream)
    {
        Reply("excluded", Thinking);

        var answer = await Chat("excluded", $$""","include_reasoning":false,"stream":{{(stream ? "true" : "false")}}""");

        Assert.DoesNotContain("reasoning", answer.Text);
        Assert.DoesNotContain("greets", answer.Text);
        Assert.Equal("Hello!", stream ? ContentOf(answer.SseChunks) : answer.Json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task IncludeReasoningNotABoolean_Returns400NamingIt()
    {
        var answer = await Chat("bad include", ""","include_reasoning":"yes" """);

        Assert.Equal(400, answer.Status);
        Assert.Equal("include_reasoning", answer.ErrorParam);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ToolCalls_AreReadFromWhatFollowsTheBlock(bool stream)
    {
        Reply("tools", "<think>", "\n", "Use the tool.", "\n", "</think>", "\n\n", "<tool_call>", "\n",
            "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}", "\n", "</tool_call>");

        const string Tools = """[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]""";
        var answer = await Chat("tools", $$""","stream":{{(stream ? "true" : "false")}},"tools":{{Tools}}""");

        if (stream)
        {
            var deltas = answer.SseChunks.Select(c => c.GetProperty("choices")[0].GetProperty("delta")).ToList();
            Assert.Equal("Use the tool.", string.Concat(deltas.Select(d => Text(d, "reasoning"))));
            Assert.Equal("get_weather", ToolCallDeltas(answer.SseChunks)[0].GetProperty("function").GetProperty("name").GetString());
            Assert.Equal("", ContentOf(answer.SseChunks).Trim());
            Assert.Equal("tool_calls", answer.SseChunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        }
        else
        {
            var choice = answer.Json.GetProperty("choices")[0];
            Assert.Equal("Use the tool.", choice.GetProperty("message").GetProperty("reasoning").GetString());
            var call = Assert.Single(choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray());
            Assert.Equal("""{"city": "Paris"}""", call.GetProperty("function").GetProperty("arguments").GetString());
            Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        }
    }

    [Fact]
    public async Task AConstrainedRequest_AsksForTheGrammarAfterTheReasoning()
    {
        Reply("constrained", "<think>", "\n", "Plan.", "\n", "</think>", "\n\n", "yes");

        var message = (await Chat("constrained", ""","guided_choice":["yes","no"]""")).Json.GetProperty("choices")[0].GetProperty("message");

        var sent = Assert.Single(host.Scheduler.Requests, r => r.Chat?.MessagesJson.Contains("\"constrained\"", StringComparison.Ordinal) == true);
        Assert.True(sent.Sampling.StructuredOutput.AfterReasoning);
        Assert.Equal(["yes", "no"], sent.Sampling.StructuredOutput.Choice.Values);
        Assert.Equal("Plan.", message.GetProperty("reasoning").GetString());
        Assert.Equal("yes", message.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Completions_AreNotParsed()
    {
        host.Scheduler.Script = _ => new FakeReply(Thinking, FinishReason.Stop);

        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"hi"}""");

        Assert.Equal(string.Concat(Thinking), answer.Json.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    private static string Text(JsonElement delta, string name) =>
        delta.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private Task<HttpAnswer> Chat(string marker, string extra = "") =>
        host.Http.PostJsonAsync("/v1/chat/completions", $$"""{"messages":[{"role":"user","content":"{{marker}}"}]{{extra}}}""");

    private void Reply(string marker, params string[] pieces) =>
        host.Scheduler.Script = r => r.Chat?.MessagesJson.Contains($"\"{marker}\"", StringComparison.Ordinal) == true
            ? new FakeReply(pieces, FinishReason.Stop)
            : FakeReply.Default;
}

/// <summary>deepseek_r1: the answer is reasoning from its first token (its template opened the block in the prompt).</summary>
public sealed class DeepSeekR1ReasoningParserTests(DeepSeekR1ReasoningGatewayHost host) : IClassFixture<DeepSeekR1ReasoningGatewayHost>, IDisposable
{
    public void Dispose() => host.Scheduler.Script = _ => FakeReply.Default;

    [Fact]
    public async Task TextBeforeTheCloseTag_IsReasoning()
    {
        host.Scheduler.Script = _ => new FakeReply(["Nine", " is", " larger", ".\n", "</think>", "\n\n", "9.8"], FinishReason.Stop);

        var message = (await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"9.11 or 9.8?"}]}"""))
            .Json.GetProperty("choices")[0].GetProperty("message");

        Assert.Equal("Nine is larger.", message.GetProperty("reasoning_content").GetString());
        Assert.Equal("9.8", message.GetProperty("content").GetString());
    }

    [Fact]
    public async Task AConstrainedRequest_ThinksFirst_ItsGrammarStartingAfterTheReasoning()
    {
        host.Scheduler.Script = _ => new FakeReply(["A", " json", " then", ".\n", "</think>", "\n\n", "{\"a\"", ": 1}"], FinishReason.Stop);

        var message = (await host.Http.PostJsonAsync("/v1/chat/completions",
            """{"messages":[{"role":"user","content":"json please"}],"response_format":{"type":"json_object"}}"""))
            .Json.GetProperty("choices")[0].GetProperty("message");

        var sent = Assert.Single(host.Scheduler.Requests, r => r.Chat?.MessagesJson.Contains("json please", StringComparison.Ordinal) == true);
        Assert.True(sent.Sampling.StructuredOutput.AfterReasoning);
        Assert.Equal("A json then.", message.GetProperty("reasoning").GetString());
        Assert.Equal("{\"a\": 1}", message.GetProperty("content").GetString());
    }
}
