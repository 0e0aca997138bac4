using Gateway.Api.Embeddings;
using Gateway.Api.Json;
using Gateway.Api.Sampling;

namespace Gateway.Api.Scoring;

/// <summary>The fields score and rerank share, read as the embeddings endpoint reads them.</summary>
/// <param name="Model">The requested model, or null for the served one.</param>
/// <param name="TruncatePromptTokens">vLLM's truncate_prompt_tokens, per text: the last k tokens, -1 as many as the context holds.</param>
/// <param name="Priority">vLLM's priority extra.</param>
/// <param name="RequestId">vLLM's request_id, or null.</param>
/// <param name="UseActivation">vLLM's use_activation: a cross-encoder's score through its activation (default true) or raw.</param>
public sealed record ScoringOptions(string? Model, int? TruncatePromptTokens, int Priority, string? RequestId, bool UseActivation = true)
{
    public static ScoringOptions Read(RequestFields fields) => new(
        fields.String("model"),
        PoolingInputs.ReadTruncatePromptTokens(fields),
        fields.Int("priority") ?? 0,
        SamplingFields.ReadRequestId(fields),
        fields.Bool("use_activation") ?? true);
}
