using Gateway.Api.Embeddings;

namespace Gateway.Api.Scoring;

/// <summary>vLLM's RerankResponse (Jina's shape): the best documents first.</summary>
public sealed record RerankResponse(string Id, string Model, EmbeddingUsageDto Usage, IReadOnlyList<RerankResult> Results);

/// <summary>Document <see cref="Index"/> of the request, its text, and its score against the query.</summary>
public sealed record RerankResult(int Index, RerankDocument Document, double RelevanceScore);

/// <summary>A document as the answer echoes it: its text (of a document sent as an object, the object's text).</summary>
public sealed record RerankDocument(string Text);
