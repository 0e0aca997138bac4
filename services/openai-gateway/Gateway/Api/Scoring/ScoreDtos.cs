using Gateway.Api.Embeddings;

namespace Gateway.Api.Scoring;

/// <summary>vLLM's ScoreResponse: object "list", one <see cref="ScoreData"/> per scored pair, in pair order.</summary>
public sealed record ScoreResponse(
    string Id,
    string Object,
    long Created,
    string Model,
    IReadOnlyList<ScoreData> Data,
    EmbeddingUsageDto Usage);

/// <summary>The score of pair <see cref="Index"/>; <see cref="Object"/> is "score".</summary>
public sealed record ScoreData(int Index, string Object, double Score);
