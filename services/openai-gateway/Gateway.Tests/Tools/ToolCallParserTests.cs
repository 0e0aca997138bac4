using Gateway.Api.Tools;

namespace Gateway.Tests.Tools;

public sealed class ToolCallParserTests
{
    [Fact]
    public void Parse_TextWithoutCalls_ReturnsItAsContent()
    {
        var result = ToolCallParser.Parse("just text");

        Assert.Equal("just text", result.Content);
        Assert.Empty(result.Calls);
    }

    [Fact]
    public void Parse_TwoCallsAfterText_ReturnsBothInOrderAndTheTextBefore()
    {
        var result = ToolCallParser.Parse(
            "Checking.\n<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\": 1}}\n</tool_call>\n" +
            "<tool_call>\n{\"name\": \"b\", \"arguments\": {}}\n</tool_call>");

        Assert.Equal("Checking.\n", result.Content);
        Assert.Equal(["a", "b"], result.Calls.Select(c => c.Name));
        Assert.Equal("{\"x\": 1}", result.Calls[0].ArgumentsJson);
    }

    [Fact]
    public void Parse_CallCutOffBeforeTheClosingTag_StillCountsWhenItsJsonIsWhole()
    {
        var result = ToolCallParser.Parse("<tool_call>{\"name\": \"a\", \"arguments\": {\"q\": \"z\"}}");

        Assert.Null(result.Content);
        Assert.Equal("a", Assert.Single(result.Calls).Name);
    }

    [Fact]
    public void Parse_ArgumentsAsAString_AreKeptAsTheJsonText()
    {
        var result = ToolCallParser.Parse("<tool_call>{\"name\": \"a\", \"arguments\": \"{\\\"q\\\": 1}\"}</tool_call>");

        Assert.Equal("{\"q\": 1}", Assert.Single(result.Calls).ArgumentsJson);
    }

    [Theory]
    [InlineData("<tool_call>{not json}</tool_call>")]
    [InlineData("<tool_call>{\"arguments\": {}}</tool_call>")]
    [InlineData("<tool_call>{\"name\": \"a\"")]
    public void Parse_MalformedCall_ReturnsTheWholeTextAsContent(string text)
    {
        var result = ToolCallParser.Parse(text);

        Assert.Equal(text, result.Content);
        Assert.Empty(result.Calls);
    }
}
