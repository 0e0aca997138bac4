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

    /// <summary>This request's split, or null with no parser set.</summary>
    public ReasoningMode? For(ChatRequest request) => _parser is null
        ? null
        : new ReasoningMode(_parser == ReasoningParserNames.DeepSeekR1, request.IncludeReasoning);

    /// <summary>
    /// The request as the engine should run it: with a parser set, a structured output (response_format, guided
    /// decoding, a forced tool choice) starts after the reasoning, as vLLM's does under a reasoning parser, so the model
    /// thinks first and the grammar holds what follows <c>&lt;/think&gt;</c>, the content.
    /// </summary>
    public ChatRequest Prepare(ChatRequest request) => _parser is not null && request.Sampling.StructuredOutput is { } output
        ? request with { Sampling = request.Sampling with { StructuredOutput = output with { AfterReasoning = true } } }
        : request;
}
