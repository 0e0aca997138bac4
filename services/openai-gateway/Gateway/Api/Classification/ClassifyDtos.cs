namespace Gateway.Api.Classification;

/// <summary>vLLM's ClassificationResponse: object "list", one <see cref="ClassifyData"/> per input, in input order.</summary>
public sealed record ClassifyResponse(
    string Id,
    string Object,
    long Created,
    string Model,
    IReadOnlyList<ClassifyData> Data,
    ClassifyUsage Usage);

/// <summary>Input <see cref="Index"/>'s most probable label, its probabilities over every class, and how many classes there are.</summary>
public sealed record ClassifyData(int Index, string Label, IReadOnlyList<float> Probs, int NumClasses);

/// <summary>vLLM's usage of a pooling answer: every input's prompt tokens, no completion tokens.</summary>
public sealed record ClassifyUsage(int PromptTokens, int TotalTokens, int CompletionTokens, object? PromptTokensDetails);
