using Google.Protobuf;
using Inference.Abstractions.Execution;
using Proto = Inference.Contracts.Worker.V1;

namespace Inference.Contracts.Mapping;

/// <summary>
/// The worker boundary (<c>inference.worker.v1</c>) in both directions, so the scheduler (client) and the worker
/// (server) read and write the step protocol through one mapping.
/// </summary>
public static class WorkerMessages
{
    public static Proto.InfoResponse ToProto(ExecutorInfo info, string instanceId)
    {
        var defaults = info.Defaults ?? SamplingDefaults.None;
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
            DefaultSampling = CommonMessages.ToProto(defaults),
            HiddenSize = info.HiddenSize,
        };
        response.EosTokenIds.AddRange(info.EosTokenIds);
        if (info.Pooling is { } pooling)
        {
            response.Pooling = new Proto.Pooling
            {
                HiddenSize = pooling.HiddenSize,
                Normalize = pooling.Normalize,
                Matryoshka = pooling.Matryoshka,
                MatryoshkaDimensions = { pooling.MatryoshkaDimensions },
                Mode = ToProto(pooling.Mode),
            };
        }

        response.LoraAdapters.AddRange((info.LoraAdapters ?? []).Select(CommonMessages.ToProto));
        if (info.Classifier is { } classifier)
        {
            response.Classifier = CommonMessages.ToProto(classifier);
        }

        if (defaults.MaxTokens is { } maxTokens)
        {
            response.DefaultMaxTokens = maxTokens;
        }

        return response;
    }

    public static ExecutorInfo ToDomain(Proto.InfoResponse info) => new(
        info.ModelName,
        info.Architecture,
        info.VocabSize,
        info.MaxModelLen,
        info.BlockSize,
        info.NumBlocks,
        [.. info.EosTokenIds],
        info.Device,
        CommonMessages.ToDefaults(info.DefaultSampling, info.HasDefaultMaxTokens ? info.DefaultMaxTokens : null),
        info.Pooling is { } p ? new PoolingInfo(p.HiddenSize, p.Normalize, p.Matryoshka, [.. p.MatryoshkaDimensions], ToDomain(p.Mode)) : null,
        [.. info.LoraAdapters.Select(CommonMessages.ToDomain)],
        info.Classifier is { } classifier ? CommonMessages.ToDomain(classifier) : null,
        info.HiddenSize);

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
                Pooling = n.Pooling is { } pooling
                    ? new Proto.PoolingParams { Normalize = pooling.Normalize, Dimensions = pooling.Dimensions ?? 0 }
                    : null,
                LoraName = n.LoraName ?? "",
                PromptEmbeds = n.PromptEmbeds is { } embeds ? FloatBytes.ToByteString(embeds) : ByteString.Empty,
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
            message.DraftTokenIds.AddRange(c.DraftTokenIds ?? []);
            request.CachedRequests.Add(message);
        }

        return request;
    }

    public static StepPlan ToDomain(Proto.ExecuteRequest request) => new(
        request.StepId,
        [.. request.NewRequests.Select(r => new NewRequestData(
            r.RequestId, [.. r.TokenIds], r.NumPromptTokens, ToDomain(r.Sampling), [.. r.BlockIds],
            r.NumComputedTokens, r.NumScheduledTokens,
            r.Pooling is { } pooling ? new PoolingParams(pooling.Normalize, pooling.Dimensions > 0 ? pooling.Dimensions : null) : null,
            r.LoraName.Length > 0 ? r.LoraName : null,
            r.PromptEmbeds.IsEmpty ? null : FloatBytes.ToFloats(r.PromptEmbeds)))],
        [.. request.CachedRequests.Select(r => new CachedRequestData(
            r.RequestId, [.. r.NewBlockIds], r.NumComputedTokens, r.NumScheduledTokens,
            r.Sampling is null ? null : ToDomain(r.Sampling),
            r.DraftTokenIds.Count == 0 ? null : [.. r.DraftTokenIds]))],
        [.. request.FinishedRequestIds]);

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
            response.Sampled.Add(new Proto.SampledToken
            {
                RequestId = s.RequestId,
                Token = CommonMessages.ToProto(s.TokenId, s.Logprob, s.TopLogprobs),
            });
        }

        foreach (var chunk in result.PromptLogprobs ?? [])
        {
            response.PromptLogprobs.Add(new Proto.RequestPromptLogprobs
            {
                RequestId = chunk.RequestId,
                Logprobs = PromptLogprobsMessages.ToProto(chunk.FirstPosition, chunk.Positions),
            });
        }

        foreach (var pooled in result.Pooled ?? [])
        {
            response.Pooled.Add(new Proto.PooledOutput { RequestId = pooled.RequestId, Embedding = { pooled.Embedding } });
        }

        return response;
    }

    public static StepResult ToDomain(Proto.ExecuteResponse response) => new(
        response.StepId,
        [.. response.Sampled.Select(s => new SampledToken(
            s.RequestId,
            s.Token?.TokenId ?? throw new InvalidDataException($"Sampled token of {s.RequestId} has no token."),
            s.Token.Logprob,
            CommonMessages.TopLogprobs(s.Token)))],
        response.Timings is { } t ? new StepTimings(t.ForwardNs, t.SampleNs, t.TotalNs) : default,
        response.NumTokens,
        response.PromptLogprobs.Count == 0
            ? null
            : [.. response.PromptLogprobs.Select(p => new PromptLogprobsChunk(
                p.RequestId,
                p.Logprobs?.FirstPosition ?? throw new InvalidDataException($"Prompt logprobs of {p.RequestId} are empty."),
                PromptLogprobsMessages.ToDomain(p.Logprobs)))],
        response.Pooled.Count == 0 ? null : [.. response.Pooled.Select(p => new PooledOutput(p.RequestId, [.. p.Embedding]))]);

    private static Proto.RequestSampling ToProto(SamplingParams sampling)
    {
        var message = new Proto.RequestSampling { Params = CommonMessages.ToProto(sampling) };
        if (sampling.BannedTokenIds is { } banned)
        {
            message.BannedTokenIds.AddRange(banned);
        }

        foreach (var word in sampling.BadWords ?? [])
        {
            message.BadWords.Add(new Proto.TokenSequence { Ids = { word } });
        }

        return message;
    }

    private static SamplingParams ToDomain(Proto.RequestSampling? sampling) =>
        CommonMessages.ToDomain(sampling?.Params, sampling is null ? null : [.. sampling.BannedTokenIds]) with
        {
            BadWords = sampling is { BadWords.Count: > 0 } ? [.. sampling.BadWords.Select(w => (IReadOnlyList<int>)[.. w.Ids])] : null,
        };

    private static Proto.PoolingMode ToProto(PoolingMode mode) => mode switch
    {
        PoolingMode.LastToken => Proto.PoolingMode.LastToken,
        PoolingMode.Cls => Proto.PoolingMode.Cls,
        PoolingMode.Mean => Proto.PoolingMode.Mean,
        PoolingMode.Max => Proto.PoolingMode.Max,
        PoolingMode.MeanSqrtLength => Proto.PoolingMode.MeanSqrtLength,
        PoolingMode.WeightedMean => Proto.PoolingMode.WeightedMean,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown pooling mode."),
    };

    /// <exception cref="InvalidDataException">A mode this scheduler does not know (a newer worker's): it could not tell
    /// whether the embedding needs the whole prompt, so the worker is refused rather than served wrong.</exception>
    private static PoolingMode ToDomain(Proto.PoolingMode mode) => mode switch
    {
        Proto.PoolingMode.Unspecified or Proto.PoolingMode.LastToken => PoolingMode.LastToken,
        Proto.PoolingMode.Cls => PoolingMode.Cls,
        Proto.PoolingMode.Mean => PoolingMode.Mean,
        Proto.PoolingMode.Max => PoolingMode.Max,
        Proto.PoolingMode.MeanSqrtLength => PoolingMode.MeanSqrtLength,
        Proto.PoolingMode.WeightedMean => PoolingMode.WeightedMean,
        _ => throw new InvalidDataException($"The worker reports pooling mode {(int)mode}, which this scheduler does not know."),
    };
}
