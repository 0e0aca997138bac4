using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using static Gateway.Tests.Hosting.ChatChunks;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>
/// tool_choice "required" and a named function, as vLLM serves them: the output is constrained by a JSON schema built
/// from the tools (sent to the scheduler as structured output), and the constrained text becomes tool calls.
/// </summary>
public sealed class ForcedToolChoiceTests(GatewayHost host) : IClassFixture<GatewayHost>, IDisposable
{
    private const string Tools = """
        [{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
         {"type":"function","function":{"name":"get_time"}}]
        """;

    public void Dispose() => host.Scheduler.Script = _ => FakeReply.Default;

    [Fact]
    public async Task Required_SendsAnArrayOfCallsSchemaWithEveryToolsNameAndParameters()
    {
        await Chat("req schema", "\"required\"");

        var schema = JsonDocument.Parse(SentSchema("req schema")).RootElement;
        Assert.Equal("array", schema.GetProperty("type").GetString());
        Assert.Equal(1, schema.GetProperty("minItems").GetInt32());
        Assert.False(schema.TryGetProperty("maxItems", out _));
        var calls = schema.GetProperty("items").GetProperty("anyOf");
        Assert.Equal(["get_weather", "get_time"],
            calls.EnumerateArray().Select(c => c.GetProperty("properties").GetProperty("name").GetProperty("const").GetString()));
        Assert.Equal("string", calls[0].GetProperty("properties").GetProperty("parameters")
            .GetProperty("properties").GetProperty("city").GetProperty("type").GetString());
        Assert.Empty(calls[1].GetProperty("properties").GetProperty("parameters").GetProperty("properties").EnumerateObject());
    }

    [Fact]
    public async Task RequiredWithoutParallelCalls_AllowsOneCall()
    {
        await Chat("req single", "\"required\"", extra: ""","parallel_tool_calls":false""");

        Assert.Equal(1, JsonDocument.Parse(SentSchema("req single")).RootElement.GetProperty("maxItems").GetInt32());
    }

    [Fact]
    public async Task Required_ReturnsTheArraysCallsWithTheirParametersAsArguments()
    {
        Reply("req answer", """[{"name": "get_weather", "parameters": {"city": "Paris"}}, {"name": "get_time", "parameters": {}}]""");

        var answer = await Chat("req answer", "\"required\"");

        var choice = answer.Json.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("content").ValueKind);
        var calls = choice.GetProperty("message").GetProperty("tool_calls");
        Assert.Equal(["get_weather", "get_time"], calls.EnumerateArray().Select(c => c.GetProperty("function").GetProperty("name").GetString()));
        Assert.Equal("""{"city": "Paris"}""", calls[0].GetProperty("function").GetProperty("arguments").GetString());
        Assert.Equal("{}", calls[1].GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public async Task RequiredStreamed_SendsIdAndNameFirstThenArgumentFragmentsThatConcatenate()
    {
        Reply("req stream", "[{\"name\": \"get_", "weather\", \"parameters\": {\"ci", "ty\": \"Par", "is\"}}, {\"name\": \"get_time\", \"parameters\": {}}]");

        var answer = await Chat("req stream", "\"required\"", extra: ""","stream":true""");

        var calls = ToolCallDeltas(answer.SseChunks);
        Assert.Equal("get_weather", calls[0].GetProperty("function").GetProperty("name").GetString());
        Assert.StartsWith("chatcmpl-tool-", calls[0].GetProperty("id").GetString());
        Assert.Equal("""{"city": "Paris"}""", Arguments(calls, index: 0));
        Assert.True(calls.Count(c => c.GetProperty("index").GetInt32() == 0) > 2, "the first call's arguments arrive in several fragments");
        Assert.Equal("{}", Arguments(calls, index: 1));
        Assert.Equal("", ContentOf(answer.SseChunks));
        Assert.Equal("tool_calls", answer.SseChunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task RequiredCutShortByMaxTokens_ReturnsTheCallsSoFarAndSaysLength()
    {
        ReplyCut("req cut", "[{\"name\": \"get_time\", \"parameters\": {}}, {\"name\": \"get_weather\", \"param", "eters\": {\"city\": \"Pa");

        var answer = await Chat("req cut", "\"required\"");

        var choice = answer.Json.GetProperty("choices")[0];
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("content").ValueKind);
        var calls = choice.GetProperty("message").GetProperty("tool_calls");
        Assert.Equal(["get_time", "get_weather"], calls.EnumerateArray().Select(c => c.GetProperty("function").GetProperty("name").GetString()));
        Assert.Equal("{}", calls[0].GetProperty("function").GetProperty("arguments").GetString());
        Assert.Equal("{\"city\": \"Pa", calls[1].GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public async Task RequiredCutShortByMaxTokens_StreamsTheSameCallsAndSaysLength()
    {
        ReplyCut("req cut stream", "[{\"name\": \"get_time\", \"parameters\": {}}, {\"name\": \"get_weather\", \"param", "eters\": {\"city\": \"Pa");

        var answer = await Chat("req cut stream", "\"required\"", extra: ""","stream":true""");

        var calls = ToolCallDeltas(answer.SseChunks);
        Assert.Equal(["get_time", "get_weather"], calls.Where(c => c.TryGetProperty("id", out _)).Select(c => c.GetProperty("function").GetProperty("name").GetString()));
        Assert.Equal("{}", Arguments(calls, index: 0));
        Assert.Equal("{\"city\": \"Pa", Arguments(calls, index: 1));
        Assert.Equal("length", answer.SseChunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task RequiredCutBeforeAnyName_ReturnsTheTextAsContent()
    {
        ReplyCut("req cut early", "[{\"na");

        var answer = await Chat("req cut early", "\"required\"");

        var choice = answer.Json.GetProperty("choices")[0];
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal("[{\"na", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.False(choice.GetProperty("message").TryGetProperty("tool_calls", out _));
    }

    [Fact]
    public async Task Named_SendsTheFunctionsParametersSchemaAndReturnsTheTextAsItsArguments()
    {
        Reply("named", """{"city": "Rome"}""");

        var answer = await Chat("named", Named("get_weather"));

        var schema = JsonDocument.Parse(SentSchema("named")).RootElement;
        Assert.Equal(["city"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var choice = answer.Json.GetProperty("choices")[0];
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var call = Assert.Single(choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"city": "Rome"}""", call.GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public async Task NamedStreamed_StreamsEveryPieceOfTextAsArguments()
    {
        Reply("named stream", "{\"ci", "ty\": ", "\"Oslo\"}");

        var answer = await Chat("named stream", Named("get_weather"), extra: ""","stream":true""");

        var calls = ToolCallDeltas(answer.SseChunks);
        Assert.Equal("get_weather", calls[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal(4, calls.Count);
        Assert.Equal("""{"city": "Oslo"}""", Arguments(calls, index: 0));
        Assert.Equal("stop", answer.SseChunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Theory]
    [InlineData("""{"type":"function","function":{"name":"get_stock"}}""", "tool_choice")]
    [InlineData("""{"type":"function"}""", "tool_choice")]
    [InlineData("""{"type":"file_search","function":{"name":"get_weather"}}""", "tool_choice")]
    public async Task MalformedOrUnknownNamedFunction_Returns400NamingTheField(string choice, string param)
    {
        var answer = await Chat("bad named", choice);

        Assert.Equal(400, answer.Status);
        Assert.Equal(param, answer.Json.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task ForcedChoiceWithResponseFormat_Returns400NamingToolChoice()
    {
        var answer = await Chat("both", "\"required\"", extra: ""","response_format":{"type":"json_object"}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("tool_choice", answer.Json.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task ToolParametersTheGrammarCannotServe_Return400NamingToolsAndTheKeyword()
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions", """
            {"messages":[{"role":"user","content":"x"}],"tool_choice":"required",
             "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"s":{"type":"string","contentEncoding":"base64"}}}}}]}
            """);

        Assert.Equal(400, answer.Status);
        Assert.Equal("tools", answer.Json.GetProperty("error").GetProperty("param").GetString());
        Assert.Contains("contentEncoding", answer.Json.GetProperty("error").GetProperty("message").GetString());
    }

    private static string Named(string name) => $$$"""{"type":"function","function":{"name":"{{{name}}}"}}""";

    [Theory]
    [InlineData("ws required", "\"required\"")]
    [InlineData("ws named", """{"type":"function","function":{"name":"get_weather"}}""")]
    public async Task GuidedWhitespacePattern_AppliesToTheForcedCallsJson(string marker, string toolChoice)
    {
        // The calls are JSON output, so vLLM takes the pattern for them; it was refused as "no JSON output".
        var answer = await Chat(marker, toolChoice, extra: ""","guided_whitespace_pattern":"" """);

        Assert.Equal(200, answer.Status);
        var sent = Assert.Single(host.Scheduler.Requests, r => r.Chat?.MessagesJson.Contains($"\"{marker}\"", StringComparison.Ordinal) ?? false)
            .Sampling.StructuredOutput;
        Assert.True(sent.HasWhitespacePattern);
        Assert.Equal("", sent.WhitespacePattern);
    }

    [Fact]
    public async Task GuidedWhitespacePattern_WithAutoToolChoice_IsStillRefused()
    {
        var answer = await Chat("ws auto", "\"auto\"", extra: ""","guided_whitespace_pattern":"" """);

        Assert.Equal((400, "guided_whitespace_pattern"), (answer.Status, answer.ErrorParam));
    }

    private Task<HttpAnswer> Chat(string marker, string toolChoice, string extra = "") =>
        host.Http.PostJsonAsync("/v1/chat/completions",
            $$"""{"messages":[{"role":"user","content":"{{marker}}"}],"tools":{{Tools}},"tool_choice":{{toolChoice}}{{extra}}}""");

    private void Reply(string marker, params string[] pieces) =>
        host.Scheduler.Script = r => r.Chat?.MessagesJson.Contains($"\"{marker}\"", StringComparison.Ordinal) == true
            ? new FakeReply(pieces, FinishReason.Stop)
            : FakeReply.Default;

    private void ReplyCut(string marker, params string[] pieces) =>
        host.Scheduler.Script = r => r.Chat?.MessagesJson.Contains($"\"{marker}\"", StringComparison.Ordinal) == true
            ? new FakeReply(pieces, FinishReason.Length)
            : FakeReply.Default;

    private string SentSchema(string marker) =>
        Assert.Single(host.Scheduler.Requests, r => r.Chat?.MessagesJson.Contains($"\"{marker}\"", StringComparison.Ordinal) ?? false)
            .Sampling.StructuredOutput.JsonSchema.Schema;

    private static string Arguments(List<JsonElement> calls, int index) =>
        string.Concat(calls.Where(c => c.GetProperty("index").GetInt32() == index)
            .Select(c => c.GetProperty("function").GetProperty("arguments").GetString()));
}
