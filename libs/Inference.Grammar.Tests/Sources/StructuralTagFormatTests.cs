using Inference.Abstractions.Generation;
using Inference.Grammar.Tests.Support;

namespace Inference.Grammar.Tests.Sources;

/// <summary>
/// xgrammar's newer structural tag ({type: structural_tag, format}): a tree of formats, compiled and matched against
/// whole texts, with free text stopped by the enclosing tag's end, and a 400-style message naming the path of
/// whatever is refused.
/// </summary>
public sealed class StructuralTagFormatTests
{
    private const string City = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";
    private const string Zone = """{"type":"object","properties":{"zone":{"enum":["UTC","CET"]}},"required":["zone"]}""";

    private static readonly string Think = """{"type":"tag","begin":"<think>","content":{"type":"any_text"},"end":"</think>"}""";

    private static readonly string Functions = $$"""
        {"type":"triggered_tags","triggers":["<function="],"tags":[
          {"type":"tag","begin":"<function=get_weather>","content":{"type":"json_schema","json_schema":{{City}}},"end":"</function>"},
          {"begin":"<function=get_time>","content":{"type":"json_schema","json_schema":{{Zone}}},"end":"</function>"}]
        """;

    [Theory]
    [InlineData("""{"type":"const_string","value":"Hello, World!"}""", "Hello, World!", true)]
    [InlineData("""{"type":"const_string","value":"Hello, World!"}""", "Hello, World", false)]
    [InlineData("""{"type":"regex","pattern":"[A-Z]{3}-[0-9]{4}"}""", "ABC-1234", true)]
    [InlineData("""{"type":"regex","pattern":"[A-Z]{3}-[0-9]{4}"}""", "AB-1234", false)]
    [InlineData("""{"type":"grammar","grammar":"root ::= \"yes\" | \"no\""}""", "no", true)]
    [InlineData("""{"type":"grammar","grammar":"root ::= \"yes\" | \"no\""}""", "maybe", false)]
    [InlineData("""{"type":"json_schema","json_schema":{"type":"integer"}}""", "42", true)]
    [InlineData("""{"type":"json_schema","json_schema":"{\"type\":\"integer\"}","style":"json","any_order":false}""", "4.5", false)]
    [InlineData("""{"type":"sequence","elements":[{"type":"const_string","value":"Answer: "},{"type":"json_schema","json_schema":{"type":"boolean"}}]}""", "Answer: true", true)]
    [InlineData("""{"type":"or","elements":[{"type":"const_string","value":"yes"},{"type":"const_string","value":"no"}]}""", "yes", true)]
    [InlineData("""{"type":"or","elements":[{"type":"const_string","value":"yes"},{"type":"const_string","value":"no"}]}""", "yesno", false)]
    [InlineData("""{"type":"optional","content":{"type":"const_string","value":"a"}}""", "", true)]
    [InlineData("""{"type":"plus","content":{"type":"const_string","value":"ab"}}""", "ababab", true)]
    [InlineData("""{"type":"plus","content":{"type":"const_string","value":"ab"}}""", "", false)]
    [InlineData("""{"type":"star","content":{"type":"const_string","value":"ab"}}""", "", true)]
    [InlineData("""{"type":"repeat","min":2,"max":3,"content":{"type":"const_string","value":"x"}}""", "xxx", true)]
    [InlineData("""{"type":"repeat","min":2,"max":3,"content":{"type":"const_string","value":"x"}}""", "x", false)]
    [InlineData("""{"type":"repeat","min":2,"max":3,"content":{"type":"const_string","value":"x"}}""", "xxxx", false)]
    [InlineData("""{"type":"repeat","min":1,"max":-1,"content":{"type":"const_string","value":"x"}}""", "xxxxxxx", true)]
    [InlineData("""{"type":"tag","begin":"<r>","content":{"type":"json_schema","json_schema":{"type":"object"}},"end":["</r>","</answer>"]}""", "<r>{}</answer>", true)]
    [InlineData("""{"type":"any_text"}""", "anything at all, </think> included", true)]
    public void EachFormat_MatchesItsText(string format, string text, bool accepted)
    {
        Assert.Equal(accepted, TextFeeder.AcceptsWhole(Compile(format), text));
    }

    [Theory]
    [InlineData("<think></think>", true)]
    [InlineData("<think>Let me see: <b>x</b> </thin and so on.</think>", true)]
    [InlineData("<think>first</think>second</think>", false)]
    [InlineData("<think>never closed", false)]
    public void AnyTextInATag_EndsWhereTheTagsEndFirstAppears(string text, bool accepted)
    {
        Assert.Equal(accepted, TextFeeder.AcceptsWhole(Compile(Think), text));
    }

    [Fact]
    public void AnyTextExcludes_AreRefusedInsideTheText_ButTheEndStillEndsIt()
    {
        var format = """{"type":"tag","begin":"<think>","content":{"type":"any_text","excludes":["<function=","</think>"]},"end":"</think>"}""";

        Assert.True(TextFeeder.AcceptsWhole(Compile(format), "<think>plain</think>"));
        Assert.False(TextFeeder.AcceptsWhole(Compile(format), "<think>call <function=x></think>"));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("I will call a tool now. <function=get_weather>{\"city\": \"San Francisco\"}</function> and more text", true)]
    [InlineData("<function=get_time>{\"zone\":\"UTC\"}</function><function=get_weather>{\"city\":\"Oslo\"}</function>", true)]
    [InlineData("<function=get_news>{}</function>", false)]
    [InlineData("<function=get_time>{\"zone\":\"EST\"}</function>", false)]
    public void TriggeredTags_AtTheTop_AreFreeTextWithTaggedCalls(string text, bool accepted)
    {
        Assert.Equal(accepted, TextFeeder.AcceptsWhole(Compile(Functions + "}"), text));
    }

    [Theory]
    [InlineData("<function=get_weather>{\"city\":\"Oslo\"}</function>", true)]
    [InlineData("<function=get_weather>{\"city\":\"Oslo\"}</function> then text <function=get_time>{\"zone\":\"UTC\"}</function>", true)]
    [InlineData("text first <function=get_weather>{\"city\":\"Oslo\"}</function>", false)]
    [InlineData("", false)]
    public void TriggeredTags_AtLeastOne_StartWithATag(string text, bool accepted)
    {
        Assert.Equal(accepted, TextFeeder.AcceptsWhole(Compile(Functions + ""","at_least_one":true}"""), text));
    }

    [Theory]
    [InlineData("text, then <function=get_weather>{\"city\":\"Oslo\"}</function>", true)]
    [InlineData("only text", true)]
    [InlineData("<function=get_weather>{\"city\":\"Oslo\"}</function> and after", false)]
    public void TriggeredTags_StopAfterFirst_EndAfterTheFirstTag(string text, bool accepted)
    {
        Assert.Equal(accepted, TextFeeder.AcceptsWhole(Compile(Functions + ""","stop_after_first":true}"""), text));
    }

    [Theory]
    [InlineData("<function=get_time>{\"zone\":\"CET\"}</function>", true)]
    [InlineData("<function=get_time>{\"zone\":\"CET\"}</function><function=get_time>{\"zone\":\"CET\"}</function>", false)]
    [InlineData("x<function=get_time>{\"zone\":\"CET\"}</function>", false)]
    public void TriggeredTags_AtLeastOneAndStopAfterFirst_AreExactlyOneTag(string text, bool accepted)
    {
        Assert.Equal(accepted, TextFeeder.AcceptsWhole(Compile(Functions + ""","at_least_one":true,"stop_after_first":true}"""), text));
    }

    [Theory]
    [InlineData("<tool_calls>plain answer</tool_calls>", true)]
    [InlineData("<tool_calls>call <function=get_time>{\"zone\":\"UTC\"}</function> done</tool_calls>", true)]
    [InlineData("<tool_calls>call <function=get_time>{\"zone\":\"UTC\"}</function> done</tool_calls>tail", false)]
    public void TriggeredTags_InsideATag_StopAtItsEnd(string text, bool accepted)
    {
        var format = $$"""{"type":"tag","begin":"<tool_calls>","content":{{Functions}}},"end":"</tool_calls>"}""";

        Assert.Equal(accepted, TextFeeder.AcceptsWhole(Compile(format), text));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("<i>{\"city\":\"A\"}</i>", true)]
    [InlineData("<i>{\"city\":\"A\"}</i>,<i>{\"city\":\"B\"}</i>", true)]
    [InlineData("<i>{\"city\":\"A\"}</i>, <i>{\"city\":\"B\"}</i>", false)]
    public void TagsWithSeparator_AreAListOfTags(string text, bool accepted)
    {
        var format = $$"""{"type":"tags_with_separator","separator":",","tags":[{"type":"tag","begin":"<i>","content":{"type":"json_schema","json_schema":{{City}}},"end":"</i>"}]}""";

        Assert.Equal(accepted, TextFeeder.AcceptsWhole(Compile(format), text));
    }

    [Fact]
    public void ReasoningThenAnswer_AsASequence_IsServed()
    {
        var format = $$"""{"type":"sequence","elements":[{{Think}},{"type":"const_string","value":"\n"},{{Functions}},"stop_after_first":true}]}""";

        Assert.True(TextFeeder.AcceptsWhole(Compile(format), "<think>weather?</think>\nSure. <function=get_weather>{\"city\":\"Rome\"}</function>"));
        Assert.False(TextFeeder.AcceptsWhole(Compile(format), "Sure."));
    }

    [Theory]
    [InlineData("""{"type":"token","token":"<|im_end|>"}""", "format.type \"token\" is not supported yet")]
    [InlineData("""{"type":"whatever"}""", "format.type \"whatever\" is not a structural tag format")]
    [InlineData("""{"type":"const_string"}""", "format.value is required")]
    [InlineData("""{"type":"const_string","value":"a","extra":1}""", "format.extra is not a field of const_string")]
    [InlineData("""{"type":"json_schema","json_schema":{"type":"object"},"style":"qwen_xml"}""", "format.style: only \"json\" is supported")]
    [InlineData("""{"type":"json_schema","json_schema":{"type":"object"},"any_order":true}""", "format.any_order")]
    [InlineData("""{"type":"any_text","max_tokens":10}""", "format.max_tokens is not supported yet")]
    [InlineData("""{"type":"sequence","elements":[{"type":"any_text"},{"type":"const_string","value":"x"}]}""", "format.elements[0]: any_text has no end of its own")]
    [InlineData("""{"type":"tag","begin":"<a>","content":{"type":"any_text"},"end":""}""", "format.content: the enclosing tag's end is empty")]
    [InlineData("""{"type":"tag","begin":"<a>","content":{"type":"json_schema","json_schema":{"type":"object","not":{}}},"end":"</a>"}""", "format.content.json_schema: JSON schema keyword 'not'")]
    [InlineData("""{"type":"tag","begin":"<a>","content":{"type":"regex","pattern":"(?=a)a"},"end":"</a>"}""", "format.content.pattern: regex feature")]
    [InlineData("""{"type":"triggered_tags","triggers":["<f"],"tags":[{"begin":"<g>","content":{"type":"const_string","value":"x"},"end":"</g>"}]}""", "format.tags[0].begin \"<g>\" does not start with any of the triggers")]
    [InlineData("""{"type":"repeat","min":3,"max":2,"content":{"type":"const_string","value":"x"}}""", "format.max must be at least min")]
    [InlineData("""{"type":"tag","begin":"<a>","content":{"type":"const_string","value":"x"},"end":{"type":"token"}}""", "format.end must be a string or an array of strings")]
    public void WhatIsRefused_IsNamedByItsPath(string format, string message)
    {
        var e = Assert.ThrowsAny<GrammarException>(() => GrammarCompiler.Validate(GrammarSpec.StructuralTagFormat(format)));

        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("""{"type":"any_text"}""", false)]
    [InlineData("""{"type":"triggered_tags","triggers":["<f"],"tags":[{"begin":"<f>","content":{"type":"const_string","value":"x"},"end":"</f>"}]}""", false)]
    [InlineData("""{"type":"triggered_tags","stop_after_first":true,"triggers":["<f"],"tags":[{"begin":"<f>","content":{"type":"const_string","value":"x"},"end":"</f>"}]}""", true)]
    [InlineData("""{"type":"sequence","elements":[{"type":"const_string","value":"a"},{"type":"any_text"}]}""", false)]
    [InlineData("""{"type":"or","elements":[{"type":"const_string","value":"a"},{"type":"any_text"}]}""", true)]
    [InlineData("""{"type":"const_string","value":"a"}""", true)]
    public void WhetherTheGrammarCanEndWithEos_FollowsTheFormatsLastText(string format, bool mayEndWithEos)
    {
        Assert.Equal(mayEndWithEos, StructuredOutputSpecs.MayEndWithEos(new StructuredOutput.StructuralTagFormat(format)));
    }

    private static CompiledGrammar Compile(string format) => Qwen.Compiler.Compile(GrammarSpec.StructuralTagFormat(format));
}
