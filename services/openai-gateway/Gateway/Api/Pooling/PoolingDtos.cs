using Gateway.Api.Embeddings;

namespace Gateway.Api.Pooling;

/// <summary>vLLM's PoolingResponse: object "list", one <see cref="PoolingData"/> per input, in input order.</summary>
public sealed record PoolingResponse(string Id, string Object, long Created, string Model, IReadOnlyList<PoolingData> Data, EmbeddingUsageDto Usage);

/// <summary>Input <see cref="Index"/>'s pooled output; <see cref="Object"/> is "pooling".</summary>
public sealed record PoolingData(int Index, string Object, EmbeddingVector Data);
