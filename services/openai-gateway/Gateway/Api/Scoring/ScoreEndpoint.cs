using Gateway.Api.Embeddings;
using Gateway.Api.Json;
using Gateway.Api.Sampling;
using Gateway.Backends;
using Gateway.Observability;

namespace Gateway.Api.Scoring;

/// <summary>
/// <c>POST /score</c> and <c>/v1/score</c>: vLLM's Score API for an embedding model, each pair's score the cosine
/// similarity of its two texts' embeddings (vLLM's embedding score; the served models are not cross-encoders).
/// </summary>
public static class ScoreEndpoint
{
    private const string IdPrefix = "score";
    private const string ObjectName = "list";
    private const string DataObjectName = "score";

    public static async Task HandleAsync(
        HttpContext http,
        IGenerationService generation,
        ServedModel servedModel,
        GatewayMetrics metrics)
    {
        var cancellationToken = http.RequestAborted;
        var fields = await RequestBody.ReadObjectAsync(http.Request, cancellationToken);
        var request = ScoreRequest.Read(fields);
        var created = RequestIds.UnixNow();
        var (model, id, embeddings) = await TextEmbeddings.ForRequestAsync(
            IdPrefix, [new(ScoreRequest.Field1, request.Texts1), new(ScoreRequest.Field2, request.Texts2)], request.Options,
            generation, servedModel, metrics, cancellationToken);

        var data = request.Pairs()
            .Select((pair, index) => new ScoreData(index, DataObjectName, CosineSimilarity.Of(embeddings[pair.Text1], embeddings[pair.Text2])))
            .ToArray();
        await http.Response.WriteAsJsonAsync(
            new ScoreResponse(id, ObjectName, created, model.Name, data, embeddings.Usage),
            ApiJson.Context.ScoreResponse,
            cancellationToken: cancellationToken);
    }
}
