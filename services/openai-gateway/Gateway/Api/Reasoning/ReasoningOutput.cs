using Gateway.Api.Chat;
using Gateway.Configuration;
using Inference.Abstractions.Text;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Reasoning;

/// <summary>How one request's answers are split into reasoning and content.</summary>
/// <param name="ReasoningFromStart">The answer is reasoning from its first token (<see cref="ReasoningStream"/>).</param>
/// <param name="Include">include_reasoning: false splits the reasoning off and leaves it out of the answer.</param>
public sealed record ReasoningMode(bool ReasoningFromStart, bool Include)
{
    public ReasoningStream NewStream() => new(ReasoningFromStart);

    public (string? Reasoning, string? Content) Split(string text)
    {
        var (reasoning, content) = ReasoningStream.Split(text, ReasoningFromStart);
        return (Include ? reasoning : null, content);
    }
}

/// <summary>The gateway's reasoning parser (<see cref="GatewayOptions.ReasoningParser"/>), applied per chat request.</summary>
public sealed class ReasoningOutput(IOptions<GatewayOptions> options)
{
    private readonly string? _parser = options.Value.ReasoningParser is { Length: > 0 } name ? name : null;

    /// <summary>
    /// This request's split, or null with no parser set. A request whose output is constrained (response_format, guided
    /// decoding, a forced tool choice) is held to its grammar from the first token, so there is no room to think first
    /// (vLLM starts the grammar after the reasoning; this engine does not): its answer is reasoning only where the
    /// grammar itself let it open with <c>&lt;think&gt;</c>, whichever the parser.
    /// </summary>
    public ReasoningMode? For(ChatRequest request) => _parser is null
        ? null
        : new ReasoningMode(_parser == ReasoningParserNames.DeepSeekR1 && request.Sampling.StructuredOutput is null, request.IncludeReasoning);
}
