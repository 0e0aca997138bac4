namespace Inference.Abstractions.Execution;

/// <summary>
/// A model's own sampling defaults, from its generation_config.json, for requests that leave a field unset
/// (vLLM's <c>--generation-config auto</c>). A null field has no model default: vLLM's default applies.
/// </summary>
/// <param name="MaxTokens">generation_config.json's <c>max_new_tokens</c>.</param>
public sealed record SamplingDefaults(
    float? Temperature = null,
    float? TopP = null,
    int? TopK = null,
    float? MinP = null,
    float? RepetitionPenalty = null,
    int? MaxTokens = null)
{
    public static SamplingDefaults None { get; } = new();
}
