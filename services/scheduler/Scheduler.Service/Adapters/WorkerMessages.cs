using Inference.Abstractions.Execution;
using Proto = Inference.Contracts.Worker.V1;

namespace Scheduler.Service.Adapters;

/// <summary>Maps the domain step protocol to <c>inference.worker.v1</c> messages and back.</summary>
internal static class WorkerMessages
{
    public static ExecutorInfo ToDomain(Proto.InfoResponse info) => new(
        info.ModelName,
        info.Architecture,
        info.VocabSize,
        info.MaxModelLen,
        info.BlockSize,
        info.NumBlocks,
        [.. info.EosTokenIds],
        info.Device);

    /// <param name="instanceId">The worker instance the plan was made for; another instance refuses it.</param>
    public static Proto.ExecuteRequest ToProto(StepPlan plan, string instanceId)
    {
        var request = new Proto.ExecuteRequest { StepId = plan.StepId, InstanceId = instanceId };
        request.FinishedRequestIds.AddRange(plan.FinishedRequestIds);
        foreach (var n in plan.NewRequests)
        {
            var message = new Proto.NewRequest
            {
                RequestId = n.RequestId,
                NumPromptTokens = n.NumPromptTokens,
                Sampling = ToProto(n.Sampling),
                NumComputedTokens = n.NumComputedTokens,
                NumScheduledTokens = n.NumScheduledTokens,
            };
            message.TokenIds.AddRange(n.TokenIds);
            message.BlockIds.AddRange(n.BlockIds);
            request.NewRequests.Add(message);
        }

        foreach (var c in plan.CachedRequests)
        {
            var message = new Proto.CachedRequest
            {
                RequestId = c.RequestId,
                NumComputedTokens = c.NumComputedTokens,
                NumScheduledTokens = c.NumScheduledTokens,
                Sampling = c.Sampling is null ? null : ToProto(c.Sampling),
            };
            message.NewBlockIds.AddRange(c.NewBlockIds);
            request.CachedRequests.Add(message);
        }

        return request;
    }

    public static Proto.SamplingParams ToProto(SamplingParams s)
    {
        var message = new Proto.SamplingParams
        {
            Temperature = s.Temperature,
            TopP = s.TopP,
            TopK = s.TopK,
            MinP = s.MinP,
            PresencePenalty = s.PresencePenalty,
            FrequencyPenalty = s.FrequencyPenalty,
            RepetitionPenalty = s.RepetitionPenalty,
            Logprobs = s.Logprobs,
        };
        if (s.Seed is { } seed)
        {
            message.Seed = seed;
        }

        if (s.BannedTokenIds is { } banned)
        {
            message.BannedTokenIds.AddRange(banned);
        }

        return message;
    }

    public static StepResult ToDomain(Proto.ExecuteResponse response) => new(
        response.StepId,
        [.. response.Sampled.Select(s => new SampledToken(
            s.RequestId,
            s.TokenId,
            s.Logprob,
            [.. s.TopLogprobs.Select(t => new TokenLogprob(t.TokenId, t.Logprob))]))],
        response.Timings is { } t ? new StepTimings(t.ForwardNs, t.SampleNs, t.TotalNs) : default,
        response.NumTokens);
}
