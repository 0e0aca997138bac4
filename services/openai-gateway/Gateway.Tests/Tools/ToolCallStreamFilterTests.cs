using Gateway.Api.Tools;

namespace Gateway.Tests.Tools;

public sealed class ToolCallStreamFilterTests
{
    [Fact]
    public void Push_PlainText_PassesStraightThrough()
    {
        var filter = new ToolCallStreamFilter();

        Assert.Equal("Hello", filter.Push("Hello").Content);
        Assert.Equal(" world", filter.Push(" world").Content);
        Assert.Null(filter.Complete().Content);
    }

    [Fact]
    public void Push_TagSplitAcrossDeltas_HoldsThePrefixAndKeepsTheMarkupOutOfContent()
    {
        var filter = new ToolCallStreamFilter();

        Assert.Equal("Sure ", filter.Push("Sure <tool").Content);
        Assert.Equal("", filter.Push("_call>{\"name\": \"f\", \"arguments\": {}}").Content);
        Assert.Equal("", filter.Push("</tool_call>").Content);
        var (content, _, hasCalls) = filter.Complete();

        Assert.Null(content);
        Assert.True(hasCalls);
    }

    [Fact]
    public void Push_CallGeneratedPieceByPiece_SendsIdAndNameFirstThenArgumentFragmentsThatConcatenateToTheArguments()
    {
        var filter = new ToolCallStreamFilter();
        string[] pieces = ["Let me check. <tool_", "call>\n{\"na", "me\": \"get_", "weather\", \"argu", "ments\": {\"city\": \"Par",
            "is\", \"unit\": {\"c\": [1, \"}\"]}", "}}\n</tool", "_call>"];

        var fragments = pieces.SelectMany(p => filter.Push(p).Calls).ToList();
        fragments.AddRange(filter.Complete().Calls);

        var header = fragments[0];
        Assert.Equal((0, "get_weather", ""), (header.Index, header.Name, header.Arguments));
        Assert.StartsWith("chatcmpl-tool", header.Id);
        Assert.True(fragments.Count > 3, "the arguments came in one piece, not streamed");
        Assert.All(fragments.Skip(1), f => Assert.Null(f.Name));
        Assert.Equal("{\"city\": \"Paris\", \"unit\": {\"c\": [1, \"}\"]}}", string.Concat(fragments.Select(f => f.Arguments)));
    }

    [Fact]
    public void Push_TwoCalls_StreamsEachWithItsOwnIndex()
    {
        var filter = new ToolCallStreamFilter();

        var fragments = filter.Push("<tool_call>{\"name\": \"a\", \"arguments\": {\"x\": 1}}</tool_call>\n<tool_call>{\"name\": \"b\", \"arguments\": {}}</tool_call>").Calls;

        Assert.Equal([0, 0, 1, 1], fragments.Select(f => f.Index));
        Assert.Equal(["a", null, "b", null], fragments.Select(f => f.Name));
        Assert.Empty(filter.Complete().Calls);
    }

    [Fact]
    public void Push_TwoCallsWithAtMostOne_StreamsOnlyTheFirst()
    {
        var filter = new ToolCallStreamFilter(maxCalls: 1);

        var fragments = filter.Push("<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call>\n<tool_call>{\"name\": \"b\", \"arguments\": {}}</tool_call>").Calls;

        Assert.All(fragments, f => Assert.Equal(0, f.Index));
        Assert.Empty(filter.Complete().Calls);
    }

    [Fact]
    public void Complete_CallNamingItsArgumentsFirst_IsSentWholeAtTheEnd()
    {
        var filter = new ToolCallStreamFilter();

        Assert.Empty(filter.Push("<tool_call>{\"arguments\": {\"x\": 1}, \"name\": \"f\"}</tool_call>").Calls);
        var call = Assert.Single(filter.Complete().Calls);

        Assert.Equal(("f", "{\"x\": 1}"), (call.Name, call.Arguments));
    }

    [Fact]
    public void Push_PrefixThatIsNotTheTag_IsReleasedOnceItCannotBeOne()
    {
        var filter = new ToolCallStreamFilter();

        Assert.Equal("a ", filter.Push("a <to").Content);
        Assert.Equal("<tomato>", filter.Push("mato>").Content);
    }

    [Fact]
    public void Complete_WithAHeldPrefix_ReturnsItAsContent()
    {
        var filter = new ToolCallStreamFilter();
        filter.Push("x <tool_");

        var (content, calls, _) = filter.Complete();

        Assert.Equal("<tool_", content);
        Assert.Empty(calls);
    }

    [Fact]
    public void Complete_WithAnUnparsableCall_ReturnsTheCapturedTextAsContent()
    {
        var filter = new ToolCallStreamFilter();
        filter.Push("<tool_call>oops</tool_call>");

        var (content, calls, hasCalls) = filter.Complete();

        Assert.Equal("<tool_call>oops</tool_call>", content);
        Assert.Empty(calls);
        Assert.False(hasCalls);
    }

    [Fact]
    public void RequiredArray_CallsPieceByPiece_StreamEachCallsNameThenArgumentsAndNoContent()
    {
        var filter = new ToolCallStreamFilter(ToolCallSyntax.RequiredArray);
        string[] pieces = ["[{\"name\": \"a\", \"param", "eters\": {\"x\": [1, {\"y\"", ": 2}]}}, {\"name\"", ": \"b\", \"parameters\": {}}]"];

        var steps = pieces.Select(filter.Push).ToList();
        var (content, rest, hasCalls) = filter.Complete();

        Assert.All(steps, s => Assert.Equal("", s.Content));
        Assert.Null(content);
        Assert.True(hasCalls);
        Assert.Empty(rest);
        var fragments = steps.SelectMany(s => s.Calls).ToList();
        Assert.Equal(["a", "b"], fragments.Where(f => f.Name is not null).Select(f => f.Name));
        Assert.Equal("{\"x\": [1, {\"y\": 2}]}", string.Concat(fragments.Where(f => f.Index == 0).Select(f => f.Arguments)));
        Assert.Equal("{}", string.Concat(fragments.Where(f => f.Index == 1).Select(f => f.Arguments)));
    }

    [Fact]
    public void RequiredArray_CutShort_CompletesWithTheTextAsContentWhenNothingWasStreamed()
    {
        var filter = new ToolCallStreamFilter(ToolCallSyntax.RequiredArray);

        filter.Push("[{\"na");
        var (content, calls, hasCalls) = filter.Complete();

        Assert.Equal("[{\"na", content);
        Assert.Empty(calls);
        Assert.False(hasCalls);
    }
}
