namespace Gateway.Api.Tools;

/// <summary>
/// Streams content while keeping tool-call markup out of it: text that might be the start of
/// <c>&lt;tool_call&gt;</c> is held back, and everything from the first tag on is kept for
/// <see cref="Complete"/>, which parses the calls once the answer is whole.
/// </summary>
public sealed class ToolCallStreamFilter
{
    private string _pending = "";
    private System.Text.StringBuilder? _captured;

    /// <summary>Takes the next piece of text and returns the part that is safe to send as content now.</summary>
    public string Push(string delta)
    {
        if (_captured is not null)
        {
            _captured.Append(delta);
            return "";
        }

        var text = _pending + delta;
        var start = text.IndexOf(ToolCallParser.OpenTag, StringComparison.Ordinal);
        if (start >= 0)
        {
            _captured = new System.Text.StringBuilder(text[start..]);
            _pending = "";
            return text[..start];
        }

        var held = LongestTagPrefixAtEnd(text);
        _pending = text[(text.Length - held)..];
        return text[..(text.Length - held)];
    }

    /// <summary>The answer has ended: the content still to send, and the calls found.</summary>
    public ToolCallParseResult Complete()
    {
        if (_captured is null)
        {
            var rest = _pending;
            _pending = "";
            return new ToolCallParseResult(rest.Length > 0 ? rest : null, []);
        }

        var parsed = ToolCallParser.Parse(_captured.ToString());
        _captured = null;
        // Without parsable calls the captured text is plain content after all, so it is sent, not lost.
        return parsed.Calls.Count > 0 ? new ToolCallParseResult(null, parsed.Calls) : parsed;
    }

    private static int LongestTagPrefixAtEnd(string text)
    {
        var tag = ToolCallParser.OpenTag;
        for (var length = Math.Min(tag.Length - 1, text.Length); length > 0; length--)
        {
            if (text.AsSpan(text.Length - length).SequenceEqual(tag.AsSpan(0, length)))
            {
                return length;
            }
        }

        return 0;
    }
}
