using Inference.Abstractions.Execution;

namespace Scheduler.Core;

/// <summary>
/// vLLM's <c>--generation-config auto</c>: a sampling field the request leaves unset takes the model's value from
/// generation_config.json; what neither sets keeps vLLM's default when the engine builds the worker's parameters.
/// </summary>
internal static class ModelDefaults
{
    public static GenerationParams Apply(GenerationParams p, SamplingDefaults? defaults) => defaults is null
        ? p
        : p with
        {
            Temperature = p.Temperature ?? defaults.Temperature,
            TopP = p.TopP ?? defaults.TopP,
            TopK = p.TopK ?? defaults.TopK,
            MinP = p.MinP ?? defaults.MinP,
            RepetitionPenalty = p.RepetitionPenalty ?? defaults.RepetitionPenalty,
        };
}
