using Gateway.Api.Embeddings;
using Gateway.Api.Json;
using Gateway.Backends;
using Gateway.Observability;

namespace Gateway.Api.Scoring;

/// <summary>
/// <c>POST /score</c> and <c>/v1/score</c>: vLLM's Score API. For an embedding model each pair's score is the cosine
/// similarity of its two texts' embeddings (vLLM's embedding score); for a cross-encoder (a one-label sequence
/// classifier) the classifier's score of the two texts joined (<see cref="CrossEncoderScores"/>).
/// </summary>
public static class ScoreEndpoint
{
    private const string IdPrefix = "score";
    private const string ObjectName = "list";
    private const string DataObjectName = "score";

    public static async Task HandleAsync(
        HttpContext http,
        IGenerationService generation,
        ITokenizerService tokenizer,
        ServedModel servedModel,
        GatewayMetrics metrics)
    {
        var cancellationToken = http.RequestAborted;
        var fields = await RequestBody.ReadObjectAsync(http.Request, cancellationToken);
        var request = ScoreRequest.Read(fields);
        var (model, id, created) = await PoolingInputs.ResolveAsync(IdPrefix, request.Options.Model, request.Options.RequestId, servedModel, cancellationToken);
        var pairs = request.Pairs().ToArray();

        double[] scores;
        EmbeddingUsageDto usage;
        if (model.Info.Classifier is { } classifier)
        {
            var (crossScores, promptTokens) = await CrossEncoderScores.ScoreAsync(
                pairs, ScoreRequest.Field2, request.Options, model, classifier, id, generation, tokenizer, servedModel, metrics, cancellationToken);
            scores = crossScores;
            usage = new EmbeddingUsageDto(promptTokens, promptTokens);
        }
        else
        {
            var embeddings = await TextEmbeddings.EmbedAsync(
                [new(ScoreRequest.Field1, request.Texts1), new(ScoreRequest.Field2, request.Texts2)], request.Options, model, id,
                generation, servedModel, metrics, cancellationToken);
            scores = [.. pairs.Select(pair => CosineSimilarity.Of(embeddings[pair.Text1], embeddings[pair.Text2]))];
            usage = embeddings.Usage;
        }

        var data = scores.Select((score, index) => new ScoreData(index, DataObjectName, score)).ToArray();
        await http.Response.WriteAsJsonAsync(
            new ScoreResponse(id, ObjectName, created, model.Name, data, usage),
            ApiJson.Context.ScoreResponse,
            cancellationToken: cancellationToken);
    }
}
