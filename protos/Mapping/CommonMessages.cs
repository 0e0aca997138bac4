using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Proto = Inference.Contracts.Common.V1;

namespace Inference.Contracts.Mapping;

/// <summary>The <c>inference.common.v1</c> messages to domain types and back, for every boundary that carries them.</summary>
public static class CommonMessages
{
    /// <summary>Fully resolved sampling, as a worker receives it: every field set.</summary>
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

        if (s.PromptLogprobs is { } promptLogprobs)
        {
            message.PromptLogprobs = promptLogprobs;
        }

        AddTokenConstraints(message, s.LogitBias, s.AllowedTokenIds);
        StructuredOutputMessages.AddTo(message, s.StructuredOutput);
        return message;
    }

    /// <summary>logit_bias and allowed_token_ids, which the Generate API and the worker protocol carry alike.</summary>
    public static void AddTokenConstraints(Proto.SamplingParams message, IReadOnlyDictionary<int, float>? logitBias, IReadOnlyList<int>? allowed)
    {
        if (logitBias is not null)
        {
            foreach (var (id, bias) in logitBias)
            {
                message.LogitBias[id] = bias;
            }
        }

        if (allowed is not null)
        {
            message.AllowedTokenIds.AddRange(allowed);
        }
    }

    public static IReadOnlyDictionary<int, float>? LogitBias(Proto.SamplingParams p) =>
        p.LogitBias.Count == 0 ? null : new Dictionary<int, float>(p.LogitBias);

    public static IReadOnlyList<int>? AllowedTokenIds(Proto.SamplingParams p) =>
        p.AllowedTokenIds.Count == 0 ? null : [.. p.AllowedTokenIds];

    /// <summary>A worker's view: a field still unset (or the whole message absent) takes the default the proto names.</summary>
    public static SamplingParams ToDomain(Proto.SamplingParams? p, IReadOnlyList<int>? bannedTokenIds)
    {
        p ??= new Proto.SamplingParams();
        return new SamplingParams(
            Temperature: p.HasTemperature ? p.Temperature : 1f,
            TopP: p.HasTopP ? p.TopP : 1f,
            TopK: p.HasTopK ? p.TopK : 0,
            MinP: p.HasMinP ? p.MinP : 0f,
            Seed: p.HasSeed ? p.Seed : null,
            PresencePenalty: p.HasPresencePenalty ? p.PresencePenalty : 0f,
            FrequencyPenalty: p.HasFrequencyPenalty ? p.FrequencyPenalty : 0f,
            RepetitionPenalty: p.HasRepetitionPenalty ? p.RepetitionPenalty : 1f,
            Logprobs: p.HasLogprobs ? p.Logprobs : 0,
            BannedTokenIds: bannedTokenIds is { Count: > 0 } ? bannedTokenIds : null,
            LogitBias: LogitBias(p),
            AllowedTokenIds: AllowedTokenIds(p),
            StructuredOutput: StructuredOutputMessages.ToDomain(p.StructuredOutput),
            PromptLogprobs: p.HasPromptLogprobs ? p.PromptLogprobs : null);
    }

    /// <summary>A model's defaults: only the fields it has are set.</summary>
    public static Proto.SamplingParams ToProto(SamplingDefaults d)
    {
        var message = new Proto.SamplingParams();
        if (d.Temperature is { } temperature) message.Temperature = temperature;
        if (d.TopP is { } topP) message.TopP = topP;
        if (d.TopK is { } topK) message.TopK = topK;
        if (d.MinP is { } minP) message.MinP = minP;
        if (d.RepetitionPenalty is { } repetition) message.RepetitionPenalty = repetition;
        return message;
    }

    public static SamplingDefaults ToDefaults(Proto.SamplingParams? p, int? maxTokens) => p is null
        ? new SamplingDefaults(MaxTokens: maxTokens)
        : new SamplingDefaults(
            Temperature: p.HasTemperature ? p.Temperature : null,
            TopP: p.HasTopP ? p.TopP : null,
            TopK: p.HasTopK ? p.TopK : null,
            MinP: p.HasMinP ? p.MinP : null,
            RepetitionPenalty: p.HasRepetitionPenalty ? p.RepetitionPenalty : null,
            MaxTokens: maxTokens);

    public static Proto.GeneratedToken ToProto(int tokenId, float logprob, IReadOnlyList<TokenLogprob> top)
    {
        var message = new Proto.GeneratedToken { TokenId = tokenId, Logprob = logprob };
        foreach (var alternative in top)
        {
            message.TopLogprobs.Add(new Proto.TokenLogprob { TokenId = alternative.TokenId, Logprob = alternative.Logprob });
        }

        return message;
    }

    public static Proto.GeneratedToken ToProto(GeneratedToken token) => ToProto(token.TokenId, token.Logprob, token.TopLogprobs);

    public static GeneratedToken ToDomain(Proto.GeneratedToken token) =>
        new(token.TokenId, token.Logprob, TopLogprobs(token));

    public static TokenLogprob[] TopLogprobs(Proto.GeneratedToken token) =>
        [.. token.TopLogprobs.Select(t => new TokenLogprob(t.TokenId, t.Logprob))];

    public static Proto.LoraAdapter ToProto(LoraAdapterInfo adapter) =>
        new() { Name = adapter.Name, Path = adapter.Path, Rank = adapter.Rank };

    public static LoraAdapterInfo ToDomain(Proto.LoraAdapter adapter) => new(adapter.Name, adapter.Path, adapter.Rank);

    public static Proto.Classifier ToProto(ClassifierInfo classifier) => new()
    {
        Labels = { classifier.Labels },
        ClassifyActivation = ToProto(classifier.ClassifyActivation),
        ScoreActivation = ToProto(classifier.ScoreActivation),
    };

    /// <exception cref="InvalidDataException">No labels, or an activation this side does not know (a newer peer's): it
    /// could not answer the classifier's requests right, so it is refused rather than served wrong.</exception>
    public static ClassifierInfo ToDomain(Proto.Classifier classifier) => classifier.Labels.Count == 0
        ? throw new InvalidDataException("The classifier reports no labels.")
        : new([.. classifier.Labels], ToDomain(classifier.ClassifyActivation), ToDomain(classifier.ScoreActivation));

    private static Proto.ClassifierActivation ToProto(ClassifierActivation activation) => activation switch
    {
        ClassifierActivation.Softmax => Proto.ClassifierActivation.Softmax,
        ClassifierActivation.Sigmoid => Proto.ClassifierActivation.Sigmoid,
        ClassifierActivation.Identity => Proto.ClassifierActivation.Identity,
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown classifier activation."),
    };

    private static ClassifierActivation ToDomain(Proto.ClassifierActivation activation) => activation switch
    {
        Proto.ClassifierActivation.Softmax => ClassifierActivation.Softmax,
        Proto.ClassifierActivation.Sigmoid => ClassifierActivation.Sigmoid,
        Proto.ClassifierActivation.Identity => ClassifierActivation.Identity,
        _ => throw new InvalidDataException($"The classifier reports activation {(int)activation}, which is not known here."),
    };
}
