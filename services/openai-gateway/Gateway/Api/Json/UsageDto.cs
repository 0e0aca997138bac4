using System.Text.Json.Serialization;
using Gateway.Backends;

namespace Gateway.Api.Json;

/// <summary>OpenAI's usage block; cached prompt tokens appear only when the prefix cache served some, prediction
/// tokens only for a request with a prediction.</summary>
public sealed record UsageDto(
    int PromptTokens,
    int CompletionTokens,
    int TotalTokens,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PromptTokensDetailsDto? PromptTokensDetails,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CompletionTokensDetailsDto? CompletionTokensDetails = null)
{
    public static UsageDto From(GenerationUsage usage) => new(
        usage.PromptTokens,
        usage.CompletionTokens,
        usage.TotalTokens,
        usage.CachedPromptTokens > 0 ? new PromptTokensDetailsDto(usage.CachedPromptTokens) : null,
        usage.PredictionTokens > 0 ? new CompletionTokensDetailsDto(usage.AcceptedPredictionTokens, usage.RejectedPredictionTokens) : null);
}

public sealed record PromptTokensDetailsDto(int CachedTokens);

public sealed record CompletionTokensDetailsDto(int AcceptedPredictionTokens, int RejectedPredictionTokens);
