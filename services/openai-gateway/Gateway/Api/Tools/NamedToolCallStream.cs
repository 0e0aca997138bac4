namespace Gateway.Api.Tools;

/// <summary>
/// Streams the answer to a named tool_choice: the grammar made the whole text the function's arguments, so the call's
/// id and name go out first and every piece of text after that is the next fragment of its arguments.
/// </summary>
public sealed class NamedToolCallStream(string name) : IToolCallStream
{
    private bool _started;

    public ToolStreamStep Push(string delta)
    {
        var fragments = new List<ToolCallFragment>(2);
        if (!_started)
        {
            _started = true;
            fragments.Add(new ToolCallFragment(0, Sampling.RequestIds.New("chatcmpl-tool"), name, ""));
        }

        if (delta.Length > 0)
        {
            fragments.Add(new ToolCallFragment(0, null, null, delta));
        }

        return new ToolStreamStep("", fragments);
    }

    public (string? Content, IReadOnlyList<ToolCallFragment> Calls, bool HasCalls) Complete() =>
        _started ? (null, [], true) : (null, Push("").Calls, true);
}
