using System.Text.Json.Serialization;
using Gateway.Backends;

namespace Gateway.Api.Json;

/// <summary>OpenAI's usage block; cached prompt tokens appear only when the prefix cache served some.</summary>
public sealed record UsageDto(
    int PromptTokens,
    int CompletionTokens,
    int TotalTokens,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PromptTokensDetailsDto? PromptTokensDetails)
{
    public static UsageDto From(GenerationUsage usage) => new(
        usage.PromptTokens,
        usage.CompletionTokens,
        usage.TotalTokens,
        usage.CachedPromptTokens > 0 ? new PromptTokensDetailsDto(usage.CachedPromptTokens) : null);
}

public sealed record PromptTokensDetailsDto(int CachedTokens);
