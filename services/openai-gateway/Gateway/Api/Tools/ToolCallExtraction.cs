using Gateway.Api.Generation;

namespace Gateway.Api.Tools;

/// <summary>How the tool calls of a chat answer are read, whole or streamed, for the request's tool_choice.</summary>
public abstract class ToolCallExtraction
{
    private ToolCallExtraction()
    {
    }

    /// <summary>The whole answer split into content and calls (at most as many as parallel_tool_calls allows).</summary>
    public abstract ToolCallParseResult Parse(string text);

    /// <summary>A fresh reader for one streamed answer.</summary>
    public abstract IToolCallStream NewStream();

    /// <summary>
    /// The choice's finish reason: "tool_calls" when the model chose to call (auto) or had to call any (required); a
    /// named function keeps the engine's reason, as OpenAI and vLLM answer it.
    /// </summary>
    public virtual string FinishReason(bool hasCalls, string engineReason) => hasCalls ? FinishReasons.ToolCalls : engineReason;

    /// <summary>tool_choice "auto": the model's own Hermes-style calls, if it writes any.</summary>
    public sealed class Hermes(int maxCalls) : ToolCallExtraction
    {
        public override ToolCallParseResult Parse(string text) => Limit(ToolCallParser.Parse(text), maxCalls);

        public override IToolCallStream NewStream() => new ToolCallStreamFilter(ToolCallSyntax.Hermes, maxCalls);
    }

    /// <summary>tool_choice "required": the answer is a JSON array of calls.</summary>
    public sealed class Required(int maxCalls) : ToolCallExtraction
    {
        public override ToolCallParseResult Parse(string text) => Limit(ToolCallParser.ParseArray(text), maxCalls);

        public override IToolCallStream NewStream() => new ToolCallStreamFilter(ToolCallSyntax.RequiredArray, maxCalls);
    }

    /// <summary>A named function: the answer is that function's arguments.</summary>
    public sealed class Named(string name) : ToolCallExtraction
    {
        public override ToolCallParseResult Parse(string text) => new(null, [new ParsedToolCall(name, text)]);

        public override IToolCallStream NewStream() => new NamedToolCallStream(name);

        public override string FinishReason(bool hasCalls, string engineReason) => engineReason;
    }

    private static ToolCallParseResult Limit(ToolCallParseResult parsed, int maxCalls) =>
        parsed.Calls.Count > maxCalls ? parsed with { Calls = [.. parsed.Calls.Take(maxCalls)] } : parsed;
}
