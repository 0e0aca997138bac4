using Inference.Abstractions.Execution;
using Proto = Inference.Contracts.Worker.V1;

namespace Worker.Service;

/// <summary>The only place protobuf meets domain types: messages in, domain records out, and back.</summary>
public static class ProtoMapping
{
    public static StepPlan ToDomain(Proto.ExecuteRequest request) => new(
        request.StepId,
        request.NewRequests.Select(ToDomain).ToList(),
        request.CachedRequests.Select(ToDomain).ToList(),
        request.FinishedRequestIds.ToList());

    public static NewRequestData ToDomain(Proto.NewRequest r) => new(
        r.RequestId, r.TokenIds.ToArray(), r.NumPromptTokens, ToDomain(r.Sampling), r.BlockIds.ToArray(),
        r.NumComputedTokens, r.NumScheduledTokens);

    public static CachedRequestData ToDomain(Proto.CachedRequest r) => new(
        r.RequestId, r.NewBlockIds.ToArray(), r.NumComputedTokens, r.NumScheduledTokens,
        r.Sampling is null ? null : ToDomain(r.Sampling));

    /// <summary>Proto zeros mean "off": top_p 0 is 1, repetition_penalty 0 is 1; an absent message is greedy.</summary>
    public static SamplingParams ToDomain(Proto.SamplingParams? p) => p is null
        ? SamplingParams.Greedy
        : new SamplingParams(
            Temperature: p.Temperature,
            TopP: p.TopP == 0 ? 1f : p.TopP,
            TopK: p.TopK,
            MinP: p.MinP,
            Seed: p.HasSeed ? p.Seed : null,
            PresencePenalty: p.PresencePenalty,
            FrequencyPenalty: p.FrequencyPenalty,
            RepetitionPenalty: p.RepetitionPenalty == 0 ? 1f : p.RepetitionPenalty,
            Logprobs: p.Logprobs,
            BannedTokenIds: p.BannedTokenIds.Count == 0 ? null : p.BannedTokenIds.ToArray());

    public static Proto.ExecuteResponse ToProto(StepResult result, string instanceId)
    {
        var response = new Proto.ExecuteResponse
        {
            StepId = result.StepId,
            NumTokens = result.NumTokens,
            InstanceId = instanceId,
            Timings = new Proto.StepTimings
            {
                ForwardNs = result.Timings.ForwardNs,
                SampleNs = result.Timings.SampleNs,
                TotalNs = result.Timings.TotalNs,
            },
        };
        foreach (var s in result.Sampled)
        {
            var sampled = new Proto.SampledToken { RequestId = s.RequestId, TokenId = s.TokenId, Logprob = s.Logprob };
            sampled.TopLogprobs.AddRange(s.TopLogprobs.Select(t => new Proto.TokenLogprob { TokenId = t.TokenId, Logprob = t.Logprob }));
            response.Sampled.Add(sampled);
        }

        return response;
    }

    public static Proto.InfoResponse ToProto(ExecutorInfo info, string instanceId)
    {
        var response = new Proto.InfoResponse
        {
            ModelName = info.ModelName,
            Architecture = info.Architecture,
            VocabSize = info.VocabSize,
            MaxModelLen = info.MaxModelLength,
            BlockSize = info.BlockSize,
            NumBlocks = info.NumBlocks,
            Device = info.Device,
            InstanceId = instanceId,
        };
        response.EosTokenIds.AddRange(info.EosTokenIds);
        return response;
    }
}
