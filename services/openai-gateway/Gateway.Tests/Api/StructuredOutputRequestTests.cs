using System.Text.Json;
using Gateway.Tests.Hosting;
using CommonV1 = Inference.Contracts.Common.V1;

namespace Gateway.Tests.Api;

/// <summary>OpenAI's response_format and vLLM's guided_* and structured_outputs become the scheduler's structured_output;
/// an unsupported spec is a 400 naming the field the client sent, before the scheduler sees it.</summary>
public sealed class StructuredOutputRequestTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    private const string Schema = """{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}""";

    [Fact]
    public async Task Chat_ResponseFormatJsonSchema_SendsTheSchemaStrict()
    {
        await Chat("rf schema", """{"type":"json_schema","json_schema":{"name":"r","strict":true,"schema":""" + Schema + "}}");

        var sent = Sent("rf schema");
        Assert.Equal(CommonV1.StructuredOutput.KindOneofCase.JsonSchema, sent.KindCase);
        Assert.True(sent.JsonSchema.Strict);
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(Schema)), JsonSerializer.Serialize(JsonDocument.Parse(sent.JsonSchema.Schema)));
        Assert.False(sent.AfterReasoning); // no reasoning parser: the grammar holds the first token
    }

    [Fact]
    public async Task Chat_ResponseFormatJsonSchemaStrictFalse_SendsItLax()
    {
        await Chat("rf lax", """{"type":"json_schema","json_schema":{"name":"r","strict":false,"schema":""" + Schema + "}}");

        Assert.False(Sent("rf lax").JsonSchema.Strict);
    }

    [Fact]
    public async Task Completions_ResponseFormatJsonObject_SendsJsonObject()
    {
        await Completion("rf object", """ "response_format":{"type":"json_object"} """);

        Assert.Equal(CommonV1.StructuredOutput.KindOneofCase.JsonObject, Sent("rf object").KindCase);
    }

    [Fact]
    public async Task Completions_ResponseFormatText_SendsNoStructuredOutput()
    {
        await Completion("rf text", """ "response_format":{"type":"text"} """);

        Assert.Null(Assert.Single(host.Scheduler.Requests, r => r.Text == "rf text").Sampling.StructuredOutput);
    }

    [Fact]
    public async Task Completions_GuidedJsonAsString_SendsTheSchema()
    {
        await Completion("guided json", $$""" "guided_json":{{JsonSerializer.Serialize(Schema)}} """);

        Assert.Equal(Schema, Sent("guided json").JsonSchema.Schema);
    }

    [Fact]
    public async Task Completions_GuidedRegex_SendsThePattern()
    {
        await Completion("guided regex", """ "guided_regex":"[a-z]+@[a-z]+\\.com" """);

        Assert.Equal("[a-z]+@[a-z]+\\.com", Sent("guided regex").Regex);
    }

    [Fact]
    public async Task Chat_GuidedChoice_SendsTheChoices()
    {
        await host.Http.PostJsonAsync("/v1/chat/completions",
            """{"messages":[{"role":"user","content":"guided choice"}],"guided_choice":["yes","no"]}""");

        Assert.Equal(["yes", "no"], Sent("guided choice").Choice.Values);
    }

    [Fact]
    public async Task Completions_StructuredOutputsRegex_SendsThePattern()
    {
        await Completion("so regex", """ "structured_outputs":{"regex":"\\d+"} """);

        Assert.Equal("\\d+", Sent("so regex").Regex);
    }

    [Fact]
    public async Task GuidedGrammarAndStructuredOutputsGrammar_SendTheGrammar()
    {
        await Completion("guided grammar", """ "guided_grammar":"root ::= \"yes\" | \"no\"" """);
        await Completion("so grammar", """ "structured_outputs":{"grammar":"root ::= [a-z]+"} """);

        Assert.Equal("root ::= \"yes\" | \"no\"", Sent("guided grammar").Grammar);
        Assert.Equal("root ::= [a-z]+", Sent("so grammar").Grammar);
    }

    [Theory]
    [InlineData("root ::= missing", "rule 'missing' is used but not defined")]
    [InlineData("root ::= root \"a\" | \"a\"", "left-recursive")]
    [InlineData("expr ::= \"a\"", "no rule named 'root'")]
    public async Task AMalformedGrammar_Is400NamingGuidedGrammar_BeforeTheSchedulerSeesIt(string grammar, string message)
    {
        var answer = await Completion("bad grammar", $$""" "guided_grammar":{{JsonSerializer.Serialize(grammar)}} """);

        Assert.Equal(400, answer.Status);
        Assert.Equal("guided_grammar", answer.ErrorParam);
        Assert.Contains(message, answer.Error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(host.Scheduler.Requests, r => r.Text == "bad grammar");
    }

    [Fact]
    public async Task GuidedWhitespacePattern_GoesWithJsonOutput_AndIsRefusedWithoutIt()
    {
        await Completion("compact", """ "guided_json":{"type":"object"},"guided_whitespace_pattern":"" """);
        var withRegex = await Completion("ws regex", """ "guided_regex":"a+","guided_whitespace_pattern":" " """);
        var alone = await Completion("ws alone", """ "guided_whitespace_pattern":" " """);
        var bad = await Completion("ws bad", """ "response_format":{"type":"json_object"},"guided_whitespace_pattern":"(?= )" """);

        Assert.Equal("", Sent("compact").WhitespacePattern);
        Assert.True(Sent("compact").HasWhitespacePattern);
        Assert.All(new[] { withRegex, alone, bad }, a => Assert.Equal((400, "guided_whitespace_pattern"), (a.Status, a.ErrorParam)));
    }

    [Fact]
    public async Task Completions_UnsupportedSchemaKeyword_Returns400NamingTheFieldAndKeyword()
    {
        var answer = await Completion("bad schema", """ "guided_json":{"type":"string","contentEncoding":"base64"} """);

        Assert.Equal(400, answer.Status);
        Assert.Equal("guided_json", answer.ErrorParam);
        Assert.Contains("contentEncoding", answer.Error.GetProperty("message").GetString());
        Assert.DoesNotContain(host.Scheduler.Requests, r => r.Text == "bad schema");
    }

    [Fact]
    public async Task Chat_UnsupportedRegexInResponseFormatSchema_Returns400NamingResponseFormat()
    {
        var answer = await Chat("bad pattern",
            """{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"string","pattern":"(?<=a)b"}}}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("response_format", answer.ErrorParam);
    }

    [Fact]
    public async Task Completions_TwoKindsOfStructuredOutput_Returns400()
    {
        var answer = await Completion("two kinds", """ "guided_regex":"a","guided_choice":["a"] """);

        Assert.Equal(400, answer.Status);
        Assert.Equal("guided_choice", answer.ErrorParam);
    }

    private Task<HttpAnswer> Chat(string content, string responseFormat) => host.ChatWithResponseFormat(content, responseFormat);

    private Task<HttpAnswer> Completion(string prompt, string fields) => host.CompletionWith(prompt, fields);

    private CommonV1.StructuredOutput Sent(string marker) => host.SentStructuredOutput(marker);
}
