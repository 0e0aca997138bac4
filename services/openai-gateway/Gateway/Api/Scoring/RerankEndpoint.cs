using Gateway.Api.Embeddings;
using Gateway.Api.Json;
using Gateway.Api.Sampling;
using Gateway.Backends;
using Gateway.Observability;

namespace Gateway.Api.Scoring;

/// <summary>
/// <c>POST /rerank</c>, <c>/v1/rerank</c> and <c>/v2/rerank</c>: vLLM's rerank API (Jina's, which Cohere's clients
/// speak too) for an embedding model: each document's relevance the cosine similarity of its embedding and the
/// query's, the most relevant first, cut to top_n.
/// </summary>
public static class RerankEndpoint
{
    private const string IdPrefix = "rerank";

    public static async Task HandleAsync(
        HttpContext http,
        IGenerationService generation,
        ServedModel servedModel,
        GatewayMetrics metrics)
    {
        var cancellationToken = http.RequestAborted;
        var fields = await RequestBody.ReadObjectAsync(http.Request, cancellationToken);
        var request = RerankRequest.Read(fields);
        var (model, id, embeddings) = await TextEmbeddings.ForRequestAsync(
            IdPrefix, [new(RerankRequest.QueryField, [request.Query]), new(RerankDocuments.Field, request.Documents)], request.Options,
            generation, servedModel, metrics, cancellationToken);

        var query = embeddings[request.Query];
        var results = request.Documents
            .Select((text, index) => new RerankResult(index, new RerankDocument(text), CosineSimilarity.Of(query, embeddings[text])))
            .OrderByDescending(result => result.RelevanceScore)
            .ThenBy(result => result.Index)
            .Take(request.TopN > 0 ? request.TopN : request.Documents.Count)
            .ToArray();
        await http.Response.WriteAsJsonAsync(
            new RerankResponse(id, model.Name, embeddings.Usage, results),
            ApiJson.Context.RerankResponse,
            cancellationToken: cancellationToken);
    }
}
