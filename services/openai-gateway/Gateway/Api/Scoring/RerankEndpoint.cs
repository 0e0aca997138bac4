using Gateway.Api.Embeddings;
using Gateway.Api.Json;
using Gateway.Backends;
using Gateway.Observability;

namespace Gateway.Api.Scoring;

/// <summary>
/// <c>POST /rerank</c>, <c>/v1/rerank</c> and <c>/v2/rerank</c>: vLLM's rerank API (Jina's, which Cohere's clients
/// speak too): each document's relevance the cosine similarity of its embedding and the query's (an embedding model),
/// or the cross-encoder's score of query + document (a one-label sequence classifier); the most relevant first, cut to
/// top_n.
/// </summary>
public static class RerankEndpoint
{
    private const string IdPrefix = "rerank";

    public static async Task HandleAsync(
        HttpContext http,
        IGenerationService generation,
        ITokenizerService tokenizer,
        ServedModel servedModel,
        GatewayMetrics metrics)
    {
        var cancellationToken = http.RequestAborted;
        var fields = await RequestBody.ReadObjectAsync(http.Request, cancellationToken);
        var request = RerankRequest.Read(fields);
        var (model, id, _) = await PoolingInputs.ResolveAsync(IdPrefix, request.Options.Model, request.Options.RequestId, servedModel, cancellationToken);

        double[] scores;
        EmbeddingUsageDto usage;
        if (model.Info.Classifier is { } classifier)
        {
            var (crossScores, promptTokens) = await CrossEncoderScores.ScoreAsync(
                [.. request.Documents.Select(document => (request.Query, document))], RerankDocuments.Field, request.Options, model, classifier, id,
                generation, tokenizer, servedModel, metrics, cancellationToken);
            scores = crossScores;
            usage = new EmbeddingUsageDto(promptTokens, promptTokens);
        }
        else
        {
            var embeddings = await TextEmbeddings.EmbedAsync(
                [new(RerankRequest.QueryField, [request.Query]), new(RerankDocuments.Field, request.Documents)], request.Options, model, id,
                generation, servedModel, metrics, cancellationToken);
            var query = embeddings[request.Query];
            scores = [.. request.Documents.Select(text => CosineSimilarity.Of(query, embeddings[text]))];
            usage = embeddings.Usage;
        }

        var results = request.Documents
            .Select((text, index) => new RerankResult(index, new RerankDocument(text), scores[index]))
            .OrderByDescending(result => result.RelevanceScore)
            .ThenBy(result => result.Index)
            .Take(request.TopN > 0 ? request.TopN : request.Documents.Count)
            .ToArray();
        await http.Response.WriteAsJsonAsync(
            new RerankResponse(id, model.Name, usage, results),
            ApiJson.Context.RerankResponse,
            cancellationToken: cancellationToken);
    }
}
