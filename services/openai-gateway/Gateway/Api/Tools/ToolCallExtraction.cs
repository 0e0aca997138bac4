using System.Text;
using Gateway.Api.Generation;

namespace Gateway.Api.Tools;

/// <summary>How the tool calls of a chat answer are read, whole or streamed, for the request's tool_choice.</summary>
public abstract class ToolCallExtraction
{
    private ToolCallExtraction()
    {
    }

    /// <summary>
    /// The whole answer split into content and calls (at most as many as parallel_tool_calls allows), read by the
    /// stream's own reader in one piece, so an answer gives the same calls streamed or not: a call that max_tokens cut
    /// short is returned with the arguments written so far, as its fragments were streamed, and finish_reason says
    /// length (see <see cref="FinishReason"/>).
    /// </summary>
    public ToolCallParseResult Parse(string text)
    {
        var stream = NewStream();
        var step = stream.Push(text);
        var (rest, fragments, _) = stream.Complete();
        var calls = new SortedDictionary<int, (string Name, StringBuilder Arguments)>();
        foreach (var fragment in step.Calls.Concat(fragments))
        {
            if (fragment.Name is not null)
            {
                calls[fragment.Index] = (fragment.Name, new StringBuilder(fragment.Arguments));
            }
            else
            {
                calls[fragment.Index].Arguments.Append(fragment.Arguments);
            }
        }

        var content = step.Content + rest;
        if (calls.Count == 0)
        {
            return new ToolCallParseResult(content, []);
        }

        return new ToolCallParseResult(
            string.IsNullOrWhiteSpace(content) ? null : content,
            [.. calls.Values.Select(call => new ParsedToolCall(call.Name, call.Arguments.ToString()))]);
    }

    /// <summary>A fresh reader for one streamed answer.</summary>
    public abstract IToolCallStream NewStream();

    /// <summary>
    /// The choice's finish reason: "tool_calls" when the model chose to call (auto) or had to call any (required) and
    /// stopped by itself; a named function keeps the engine's reason, as OpenAI and vLLM answer it. An answer that
    /// max_tokens (or the context) cut short says length, calls or not: its last call's arguments may be unfinished.
    /// </summary>
    public virtual string FinishReason(bool hasCalls, string engineReason) =>
        hasCalls && engineReason == FinishReasons.Stop ? FinishReasons.ToolCalls : engineReason;

    /// <summary>tool_choice "auto": the model's own Hermes-style calls, if it writes any.</summary>
    public sealed class Hermes(int maxCalls) : ToolCallExtraction
    {
        public override IToolCallStream NewStream() => new ToolCallStreamFilter(ToolCallSyntax.Hermes, maxCalls);
    }

    /// <summary>tool_choice "required": the answer is a JSON array of calls.</summary>
    public sealed class Required(int maxCalls) : ToolCallExtraction
    {
        public override IToolCallStream NewStream() => new ToolCallStreamFilter(ToolCallSyntax.RequiredArray, maxCalls);
    }

    /// <summary>A named function: the answer is that function's arguments.</summary>
    public sealed class Named(string name) : ToolCallExtraction
    {
        public override IToolCallStream NewStream() => new NamedToolCallStream(name);

        public override string FinishReason(bool hasCalls, string engineReason) => engineReason;
    }
}
