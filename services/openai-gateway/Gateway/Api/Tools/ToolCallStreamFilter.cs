using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Api.Tools;

/// <summary>
/// Streams an answer's tool calls as OpenAI streams them. With the Hermes syntax, text before the first
/// <c>&lt;tool_call&gt;</c> is content (text that might be the start of the tag is held back); with tool_choice
/// "required"'s JSON array, the whole answer is calls. Inside a call, a fragment with the call's id and name goes out
/// as soon as <c>"name"</c> is complete, then the arguments' JSON text in fragments as it is generated, so the
/// fragments of a call concatenate to its arguments. <see cref="Complete"/> parses the whole answer at the end and
/// sends what was not streamed yet (a call whose name came after its arguments, or whose arguments were not an object).
/// </summary>
public sealed class ToolCallStreamFilter : IToolCallStream
{
    private readonly ToolCallSyntax _syntax;
    private readonly int _maxCalls;
    private string _pending = "";
    private StringBuilder? _captured;
    private readonly List<StreamedCall> _streamed = [];
    private int _blockStart;
    private BlockState _state = BlockState.AwaitName;
    private ArgumentsScan? _arguments;

    /// <param name="syntax">How the answer spells its calls.</param>
    /// <param name="maxCalls">Calls beyond this many are dropped (parallel_tool_calls false keeps the first).</param>
    public ToolCallStreamFilter(ToolCallSyntax syntax, int maxCalls = int.MaxValue)
    {
        _syntax = syntax;
        _maxCalls = maxCalls;
    }

    /// <summary>Hermes-style calls (Qwen's <c>&lt;tool_call&gt;</c> tags).</summary>
    public ToolCallStreamFilter(int maxCalls = int.MaxValue)
        : this(ToolCallSyntax.Hermes, maxCalls)
    {
    }

    /// <summary>Takes the next piece of text: the content safe to send now, and the tool call fragments now known.</summary>
    public ToolStreamStep Push(string delta)
    {
        if (_captured is null && _syntax.OpenTag is null)
        {
            _captured = new StringBuilder(delta);
            return new ToolStreamStep("", Advance());
        }

        if (_captured is null)
        {
            var text = _pending + delta;
            var start = text.IndexOf(_syntax.OpenTag!, StringComparison.Ordinal);
            if (start < 0)
            {
                var held = LongestTagPrefixAtEnd(text);
                _pending = text[(text.Length - held)..];
                return new ToolStreamStep(text[..(text.Length - held)], []);
            }

            _captured = new StringBuilder(text[start..]);
            _blockStart = _syntax.OpenTag!.Length;
            _pending = "";
            return new ToolStreamStep(text[..start], Advance());
        }

        _captured.Append(delta);
        return new ToolStreamStep("", Advance());
    }

    /// <summary>The answer has ended: content still to send, and the fragments of what was not streamed yet.</summary>
    public (string? Content, IReadOnlyList<ToolCallFragment> Calls, bool HasCalls) Complete()
    {
        if (_captured is null)
        {
            var rest = _pending;
            _pending = "";
            return (rest.Length > 0 ? rest : null, [], false);
        }

        var parsed = _syntax.Parse(_captured.ToString());
        _captured = null;
        if (parsed.Calls.Count == 0)
        {
            // Without parsable calls the captured text is plain content after all, unless a call already went out.
            return (_streamed.Count == 0 ? parsed.Content : null, [], _streamed.Count > 0);
        }

        var fragments = new List<ToolCallFragment>();
        for (var index = 0; index < Math.Min(parsed.Calls.Count, _maxCalls); index++)
        {
            var call = parsed.Calls[index];
            if (index >= _streamed.Count)
            {
                fragments.Add(new ToolCallFragment(index, NewCallId(), call.Name, call.ArgumentsJson));
            }
            else if (call.ArgumentsJson.StartsWith(_streamed[index].Arguments, StringComparison.Ordinal)
                     && call.ArgumentsJson.Length > _streamed[index].Arguments.Length)
            {
                fragments.Add(new ToolCallFragment(index, null, null, call.ArgumentsJson[_streamed[index].Arguments.Length..]));
            }
        }

        return (null, fragments, true);
    }

    /// <summary>Reads the captured text as far as it is known, block by block, and returns the new fragments.</summary>
    private List<ToolCallFragment> Advance()
    {
        var fragments = new List<ToolCallFragment>();
        var text = _captured!.ToString();
        while (true)
        {
            switch (_state)
            {
                case BlockState.BetweenBlocks when _streamed.Count >= _maxCalls:
                    _state = BlockState.Stopped;
                    return fragments;

                case BlockState.BetweenBlocks when _syntax.OpenTag is null:
                    // The next array item, if any, starts after the last one's arguments.
                    _state = BlockState.AwaitName;
                    break;

                case BlockState.BetweenBlocks:
                    var next = text.IndexOf(_syntax.OpenTag, _blockStart, StringComparison.Ordinal);
                    if (next < 0)
                    {
                        return fragments;
                    }

                    _blockStart = next + _syntax.OpenTag.Length;
                    _state = BlockState.AwaitName;
                    break;

                case BlockState.AwaitName:
                    var block = text[_blockStart..];
                    var name = ToolCallSyntax.NameField.Match(block);
                    var key = _syntax.ArgumentsKey.Match(block);
                    if (key.Success && (!name.Success || key.Index < name.Index))
                    {
                        // Arguments before the name: this call and the ones after it go out whole at the end.
                        _state = BlockState.Stopped;
                        return fragments;
                    }

                    if (!name.Success)
                    {
                        return fragments;
                    }

                    var call = new StreamedCall(Regex.Unescape(name.Groups["name"].Value));
                    _streamed.Add(call);
                    fragments.Add(new ToolCallFragment(_streamed.Count - 1, NewCallId(), call.Name, ""));
                    _state = BlockState.AwaitArguments;
                    break;

                case BlockState.AwaitArguments:
                    var arguments = _syntax.ArgumentsKey.Match(text, _blockStart);
                    if (!arguments.Success)
                    {
                        return fragments;
                    }

                    _arguments = new ArgumentsScan(arguments.Index + arguments.Length);
                    _state = BlockState.Arguments;
                    break;

                case BlockState.Arguments:
                    var piece = _arguments!.Read(text);
                    if (piece is null)
                    {
                        // Not an object: its text goes out whole at the end.
                        _state = BlockState.Stopped;
                        return fragments;
                    }

                    if (piece.Length > 0)
                    {
                        _streamed[^1].Arguments += piece;
                        fragments.Add(new ToolCallFragment(_streamed.Count - 1, null, null, piece));
                    }

                    if (!_arguments.Done)
                    {
                        return fragments;
                    }

                    _blockStart = _arguments.End;
                    _state = BlockState.BetweenBlocks;
                    break;

                default:
                    return fragments;
            }
        }
    }

    private static string NewCallId() => Sampling.RequestIds.New("chatcmpl-tool");

    private int LongestTagPrefixAtEnd(string text)
    {
        var tag = _syntax.OpenTag!;
        for (var length = Math.Min(tag.Length - 1, text.Length); length > 0; length--)
        {
            if (text.AsSpan(text.Length - length).SequenceEqual(tag.AsSpan(0, length)))
            {
                return length;
            }
        }

        return 0;
    }

    private enum BlockState
    {
        AwaitName,
        AwaitArguments,
        Arguments,
        BetweenBlocks,

        /// <summary>The rest is sent by <see cref="Complete"/>.</summary>
        Stopped,
    }

    private sealed class StreamedCall(string name)
    {
        public string Name { get; } = name;

        public string Arguments { get; set; } = "";
    }

    /// <summary>Follows a JSON object's text from its first character to its closing brace, across pushes.</summary>
    private sealed class ArgumentsScan(int start)
    {
        private int _start = start;
        private int _position = start;
        private int _depth;
        private bool _inString;
        private bool _escaped;

        public bool Done { get; private set; }

        /// <summary>Where the object's text ended (past its closing brace), once <see cref="Done"/>.</summary>
        public int End => _position;

        /// <returns>The object's text read since the last call; null when the value is not an object.</returns>
        public string? Read(string text)
        {
            int from = _position;
            while (_position < text.Length && !Done)
            {
                char c = text[_position];
                if (_position == _start && char.IsWhiteSpace(c))
                {
                    _start = ++_position;
                    continue;
                }

                if (_position == _start && c != '{')
                {
                    return null;
                }

                _position++;
                if (_inString)
                {
                    _escaped = !_escaped && c == '\\';
                    _inString = _escaped || c != '"';
                    continue;
                }

                switch (c)
                {
                    case '"':
                        _inString = true;
                        break;
                    case '{' or '[':
                        _depth++;
                        break;
                    case '}' or ']':
                        Done = --_depth == 0;
                        break;
                }
            }

            return text[from.._position];
        }
    }
}
