using Inference.Abstractions.Execution;
using Scheduler.Core.Scheduling;

namespace Scheduler.Tests.Fakes;

internal static class Requests
{
    public static EngineRequest Make(string id, int promptLength, int maxTokens = 100, int firstToken = 1, int minTokens = 0,
        bool ignoreEos = false, IReadOnlyList<int>? stopTokenIds = null, int priority = 0, int? promptLogprobs = null,
        string? loraName = null, int[]? prediction = null) =>
        new(id, [.. Enumerable.Range(firstToken, promptLength)], SamplingParams.Greedy with { PromptLogprobs = promptLogprobs },
            new StoppingCriteria(maxTokens, minTokens, ignoreEos, stopTokenIds), priority, loraName: loraName)
        {
            PredictionTokenIds = prediction,
        };

    public static EngineRequest FromTokens(string id, params int[] tokens) =>
        new(id, tokens, SamplingParams.Greedy, new StoppingCriteria(100));
}
