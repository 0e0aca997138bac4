namespace Gateway.Api.Embeddings;

/// <summary>OpenAI's embeddings answer: object "list", one <see cref="EmbeddingData"/> per input, in input order.</summary>
public sealed record EmbeddingResponse(
    string Id,
    string Object,
    long Created,
    string Model,
    IReadOnlyList<EmbeddingData> Data,
    EmbeddingUsageDto Usage);

/// <summary>The embedding of input <see cref="Index"/>; <see cref="Object"/> is "embedding".</summary>
public sealed record EmbeddingData(int Index, string Object, EmbeddingVector Embedding);

/// <summary>
/// OpenAI's embeddings usage, which score and rerank answer too: the prompt tokens of every prompt embedded (as the
/// model saw them), which are all the tokens.
/// </summary>
public sealed record EmbeddingUsageDto(int PromptTokens, int TotalTokens);
