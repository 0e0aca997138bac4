using Gateway.Api.Tools;

namespace Gateway.Tests.Tools;

public sealed class ToolCallStreamFilterTests
{
    [Fact]
    public void Push_PlainText_PassesStraightThrough()
    {
        var filter = new ToolCallStreamFilter();

        Assert.Equal("Hello", filter.Push("Hello"));
        Assert.Equal(" world", filter.Push(" world"));
        Assert.Null(filter.Complete().Content);
    }

    [Fact]
    public void Push_TagSplitAcrossDeltas_HoldsThePrefixAndCapturesTheCall()
    {
        var filter = new ToolCallStreamFilter();

        Assert.Equal("Sure ", filter.Push("Sure <tool"));
        Assert.Equal("", filter.Push("_call>{\"name\": \"f\", \"arguments\": {}}"));
        Assert.Equal("", filter.Push("</tool_call>"));
        var result = filter.Complete();

        Assert.Null(result.Content);
        Assert.Equal("f", Assert.Single(result.Calls).Name);
    }

    [Fact]
    public void Push_PrefixThatIsNotTheTag_IsReleasedOnceItCannotBeOne()
    {
        var filter = new ToolCallStreamFilter();

        Assert.Equal("a ", filter.Push("a <to"));
        Assert.Equal("<tomato>", filter.Push("mato>"));
    }

    [Fact]
    public void Complete_WithAHeldPrefix_ReturnsItAsContent()
    {
        var filter = new ToolCallStreamFilter();
        filter.Push("x <tool_");

        var result = filter.Complete();

        Assert.Equal("<tool_", result.Content);
        Assert.Empty(result.Calls);
    }

    [Fact]
    public void Complete_WithAnUnparsableCall_ReturnsTheCapturedTextAsContent()
    {
        var filter = new ToolCallStreamFilter();
        filter.Push("<tool_call>oops</tool_call>");

        var result = filter.Complete();

        Assert.Equal("<tool_call>oops</tool_call>", result.Content);
        Assert.Empty(result.Calls);
    }
}
