using Inference.Abstractions.Execution;

namespace Scheduler.Core.Scheduling;

public sealed partial class RequestScheduler
{
    /// <summary>
    /// The step's prompt logprobs by request, checked before anything is applied: each chunk must continue its request's
    /// prompt logprobs without a gap (a recomputed prompt may repeat positions it already has), and a request that
    /// sampled its first token must then have every prompt position.
    /// </summary>
    /// <exception cref="ExecutorFaultException">A chunk leaves a gap, or a prompt is left incomplete.</exception>
    private Dictionary<string, PromptLogprobsChunk>? PromptLogprobsOfStep(StepResult result)
    {
        Dictionary<string, PromptLogprobsChunk>? chunks = null;
        foreach (var chunk in result.PromptLogprobs ?? [])
        {
            if (_requests.GetValueOrDefault(chunk.RequestId) is not { PromptLogprobs: { } collected })
            {
                continue;
            }

            if (chunk.FirstPosition < 1 || chunk.FirstPosition > collected.Count + 1)
            {
                throw new ExecutorFaultException(
                    $"Executor sent prompt logprobs of {chunk.RequestId} from position {chunk.FirstPosition}; {collected.Count} of them were known.");
            }

            (chunks ??= new(StringComparer.Ordinal))[chunk.RequestId] = chunk;
        }

        foreach (var token in result.Sampled)
        {
            if (_requests.GetValueOrDefault(token.RequestId) is { NeedsPromptLogprobs: true } request &&
                (chunks?.GetValueOrDefault(token.RequestId) is not { } chunk ||
                 chunk.FirstPosition + chunk.Positions.Count < request.NumPromptTokens))
            {
                throw new ExecutorFaultException($"Executor sampled for {token.RequestId} before sending all its prompt logprobs.");
            }
        }

        return chunks;
    }

    /// <summary>Appends the positions of <paramref name="chunk"/> the request does not have yet.</summary>
    private static void AddPromptLogprobs(EngineRequest request, PromptLogprobsChunk chunk)
    {
        var collected = request.PromptLogprobs!;
        for (int i = collected.Count + 1 - chunk.FirstPosition; i < chunk.Positions.Count && collected.Count < request.NumPromptTokens - 1; i++)
        {
            collected.Add(chunk.Positions[i]);
        }
    }
}
