using System.Text.Json;
using Gateway.Tests.Hosting;
using CommonV1 = Inference.Contracts.Common.V1;

namespace Gateway.Tests.Api;

/// <summary>vLLM's structural_tag, as response_format {type: structural_tag, structures, triggers} or as a JSON string in
/// structured_outputs.structural_tag (or the older top-level structural_tag), becomes the scheduler's
/// structured_output.structural_tag; a malformed tag is a 400 naming the field the client sent, before the scheduler sees it.</summary>
public sealed class StructuralTagRequestTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    private const string Weather = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";

    private const string Tag = """
        {"type":"structural_tag","triggers":["<function="],"structures":[
          {"begin":"<function=get_weather>","schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"end":"</function>"},
          {"begin":"<function=get_time>","schema":"{\"type\":\"object\"}","end":""}]}
        """;

    [Fact]
    public async Task Chat_ResponseFormatStructuralTag_SendsTriggersAndStructures()
    {
        await Chat("rf tag", Tag);

        var sent = Sent("rf tag");
        Assert.Equal(CommonV1.StructuredOutput.KindOneofCase.StructuralTag, sent.KindCase);
        Assert.Equal(["<function="], sent.StructuralTag.Triggers);
        Assert.Equal(
            [("<function=get_weather>", Minified(Weather), "</function>"), ("<function=get_time>", """{"type":"object"}""", "")],
            sent.StructuralTag.Structures.Select(s => (s.Begin, Minified(s.Schema), s.End)));
    }

    [Fact]
    public async Task Completions_StructuredOutputsStructuralTag_AJsonString_SendsTheSameTag()
    {
        await Completion("so tag", $$""" "structured_outputs":{"structural_tag":{{JsonSerializer.Serialize(Tag)}}} """);

        var sent = Sent("so tag");
        Assert.Equal(["<function="], sent.StructuralTag.Triggers);
        Assert.Equal(["<function=get_weather>", "<function=get_time>"], sent.StructuralTag.Structures.Select(s => s.Begin));
    }

    [Fact]
    public async Task Completions_TopLevelStructuralTag_SendsTheTag()
    {
        await Completion("top tag", $$""" "structural_tag":{{JsonSerializer.Serialize(Tag)}} """);

        Assert.Equal(2, Sent("top tag").StructuralTag.Structures.Count);
    }

    public static TheoryData<string, string, string, string> Malformed => new()
    {
        { "response_format", """{"type":"structural_tag","structures":[{"begin":"<f>","schema":{},"end":""}]}""", "response_format", "response_format.triggers is required." },
        { "response_format", """{"type":"structural_tag","triggers":"<f","structures":[]}""", "response_format", "response_format.triggers must be an array of strings, got a string." },
        { "response_format", """{"type":"structural_tag","triggers":["<f"],"structures":{}}""", "response_format", "response_format.structures must be an array of {begin, schema, end} objects, got an object." },
        { "response_format", """{"type":"structural_tag","triggers":["<f"],"structures":[{"begin":1,"schema":{},"end":""}]}""", "response_format", "response_format.structures[0].begin must be a string, got a number." },
        { "response_format", """{"type":"structural_tag","triggers":["<f"],"structures":[{"begin":"<f>","end":""}]}""", "response_format", "response_format.structures[0].schema is required." },
        { "response_format", """{"type":"structural_tag","triggers":["<f"],"structures":[{"begin":"<f>","schema":"{\"type\":","end":""}]}""", "response_format", "response_format.structures[0].schema must be a JSON schema" },
        { "response_format", """{"type":"structural_tag","triggers":["<f"],"structures":[{"begin":"<f>","schema":{}}]}""", "response_format", "response_format.structures[0].end is required." },
        { "response_format", """{"type":"structural_tag","triggers":["<f"],"structures":[{"begin":"[f]","schema":{},"end":""}]}""", "response_format", "response_format: structures[0].begin \"[f]\" does not start with any of the triggers" },
        { "response_format", """{"type":"structural_tag","triggers":["<f","[g"],"structures":[{"begin":"<f>","schema":{},"end":""}]}""", "response_format", "response_format: triggers[1] \"[g\" starts no structure's begin" },
        { "response_format", """{"type":"structural_tag","triggers":[""],"structures":[{"begin":"<f>","schema":{},"end":""}]}""", "response_format", "response_format: triggers[0] is empty" },
        { "response_format", """{"type":"structural_tag","triggers":["<f","<fu"],"structures":[{"begin":"<fun>","schema":{},"end":""}]}""", "response_format", "response_format: triggers[0] \"<f\" is a prefix of triggers[1] \"<fu\"" },
        { "response_format", """{"type":"structural_tag","triggers":["<f"],"structures":[{"begin":"<f>","schema":{"type":"integer","multipleOf":2},"end":""}]}""", "response_format", "response_format: structures[0].schema: JSON schema keyword 'multipleOf'" },
        { "response_format", """{"type":"structural_tag","format":{"type":"token","token":"<|im_end|>"}}""", "response_format", "response_format: format.type \"token\" is not supported yet" },
        { "response_format", """{"type":"structural_tag","format":{"type":"tag","begin":"<a>","content":{"type":"const_string"},"end":"</a>"}}""", "response_format", "response_format: format.content.value is required" },
        { "response_format", """{"type":"structural_tag","format":"x"}""", "response_format", "response_format.format must be a format object {type, ...}, got a string." },
        { "response_format", """{"type":"structural_tag","format":{"type":"any_text"},"triggers":[]}""", "response_format", "response_format holds both format (xgrammar's newer structural tag) and triggers" },
        { "structured_outputs", """{"structural_tag":{"triggers":["<f"]}}""", "structured_outputs", "structured_outputs.structural_tag must be a JSON string of {structures, triggers}, got an object." },
        { "structured_outputs", """{"structural_tag":"{\"triggers\":"}""", "structured_outputs", "structured_outputs.structural_tag is not valid JSON" },
        { "structured_outputs", """{"structural_tag":"{\"type\":\"json\",\"triggers\":[],\"structures\":[]}"}""", "structured_outputs", "structured_outputs.structural_tag.type must be \"structural_tag\" when given." },
        { "structured_outputs", """{"structural_tag":"{\"triggers\":[\"<f\"],\"structures\":[{\"begin\":\"<f>\",\"schema\":[],\"end\":\"\"}]}"}""", "structured_outputs", "structured_outputs.structural_tag.structures[0].schema must be a JSON schema" },
        { "structured_outputs", """{"structural_tag":"{\"type\":\"structural_tag\",\"format\":{}}"}""", "structured_outputs", "structured_outputs: format.type must be a string naming the format" },
        { "structural_tag", "\"{\\\"triggers\\\":[\\\"<f\\\"],\\\"structures\\\":[]}\"", "structural_tag", "structural_tag: structures must list at least one structure" },
        { "structural_tag", "\"{\\\"format\\\":{\\\"type\\\":\\\"any_text\\\",\\\"max_chars\\\":5}}\"", "structural_tag", "structural_tag: format.max_chars is not supported yet" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task AMalformedStructuralTag_Is400NamingTheField_BeforeTheSchedulerSeesIt(string field, string value, string param, string message)
    {
        var answer = await Completion("bad tag", $""" "{field}":{value} """);

        Assert.Equal((400, param), (answer.Status, answer.ErrorParam));
        Assert.StartsWith(message, answer.Error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(host.Scheduler.Requests, r => r.Text == "bad tag");
    }

    private const string NewerTag = """
        {"type":"structural_tag","format":{"type":"triggered_tags","triggers":["<function="],"tags":[
          {"type":"tag","begin":"<function=get_weather>","content":{"type":"json_schema","json_schema":{"type":"object"}},"end":"</function>"}]}}
        """;

    [Fact]
    public async Task Chat_ResponseFormatInXgrammarsNewerForm_SendsTheFormatObject()
    {
        await Chat("format tag", NewerTag);

        var sent = Sent("format tag");
        Assert.Equal(CommonV1.StructuredOutput.KindOneofCase.StructuralTagFormat, sent.KindCase);
        Assert.Equal(Minified(JsonDocument.Parse(NewerTag).RootElement.GetProperty("format").GetRawText()), Minified(sent.StructuralTagFormat));
    }

    [Fact]
    public async Task Completions_StructuredOutputsAndTopLevelStructuralTag_TakeTheNewerFormAsAJsonString()
    {
        await Completion("so format", $$""" "structured_outputs":{"structural_tag":{{JsonSerializer.Serialize(NewerTag)}}} """);
        await Completion("top format", $$""" "structural_tag":{{JsonSerializer.Serialize(NewerTag)}} """);

        Assert.Equal(CommonV1.StructuredOutput.KindOneofCase.StructuralTagFormat, Sent("so format").KindCase);
        Assert.Contains("triggered_tags", Sent("top format").StructuralTagFormat, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStructuralTagWithAnotherKind_OrAWhitespacePattern_Is400()
    {
        var twoKinds = await Completion("tag and regex", $$""" "structural_tag":{{JsonSerializer.Serialize(Tag)}},"guided_regex":"a" """);
        var whitespace = await Completion("tag and ws", $$""" "response_format":{{Tag}},"guided_whitespace_pattern":"" """);

        Assert.Equal((400, "structural_tag"), (twoKinds.Status, twoKinds.ErrorParam));
        Assert.Equal((400, "guided_whitespace_pattern"), (whitespace.Status, whitespace.ErrorParam));
    }

    private static string Minified(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json));

    private Task<HttpAnswer> Chat(string content, string responseFormat) => host.ChatWithResponseFormat(content, responseFormat);

    private Task<HttpAnswer> Completion(string prompt, string fields) => host.CompletionWith(prompt, fields);

    private CommonV1.StructuredOutput Sent(string marker) => host.SentStructuredOutput(marker);
}
