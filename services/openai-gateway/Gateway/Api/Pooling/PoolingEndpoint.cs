using Gateway.Api.Embeddings;
using Gateway.Api.Errors;
using Gateway.Api.Json;
using Gateway.Backends;
using Gateway.Configuration;
using Gateway.Observability;
using Inference.Abstractions.Execution;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Pooling;

/// <summary>
/// <c>POST /pooling</c>: vLLM's generic pooling API, each input's pooled output as the served model computes it: an
/// embedding model's embedding (as /v1/embeddings answers it: dimensions, use_activation as normalize, the encodings)
/// or a classifier's class probabilities (as /classify answers them, raw with use_activation false). A task the model
/// does not serve is a 400 naming task; per-token tasks are not served.
/// </summary>
public static class PoolingEndpoint
{
    private const string IdPrefix = "pool";
    private const string ObjectName = "list";
    private const string DataObjectName = "pooling";

    public static async Task HandleAsync(
        HttpContext http,
        IGenerationService generation,
        ServedModel servedModel,
        GatewayMetrics metrics,
        IOptions<GatewayOptions> options)
    {
        var cancellationToken = http.RequestAborted;
        var fields = await RequestBody.ReadObjectAsync(http.Request, cancellationToken);
        var request = PoolingRequest.Read(fields, options.Value.TrustRequestChatTemplate);
        var (model, id, created) = await request.Inputs.ResolveAsync(IdPrefix, servedModel, cancellationToken);
        var classifier = model.Info.Classifier;
        var task = request.Task ?? (classifier is null ? PoolingTask.Embed : PoolingTask.Classify);
        if ((task == PoolingTask.Classify) != (classifier is not null))
        {
            throw ApiException.BadRequest(
                $"The model `{model.Info.Name}` does not support the {(task == PoolingTask.Classify ? "classify" : "embed")} task: it is {(classifier is null ? "no sequence classifier" : "a sequence classifier")}; send task {(classifier is null ? "embed" : "classify")} or none.",
                "task");
        }

        // The classify task takes no dimensions and is never normalized; use_activation is its activation, applied here.
        var results = task == PoolingTask.Classify
            ? await request.Inputs.RunAsync(id, model, generation, servedModel, metrics, cancellationToken, PoolingTask.Classify)
            : await request.Inputs.RunAsync(id, model, generation, servedModel, metrics, cancellationToken,
                dimensions: request.Dimensions, normalize: request.UseActivation);

        var data = results.Select((result, index) =>
        {
            var values = classifier is not null && request.UseActivation != false
                ? ClassifierInfo.Apply(classifier.ClassifyActivation, result.Embedding)
                : result.Embedding;
            return new PoolingData(index, DataObjectName, new EmbeddingVector(values, request.Encoding));
        }).ToArray();
        var promptTokens = results.Sum(r => r.PromptTokens);
        await http.Response.WriteAsJsonAsync(
            new PoolingResponse(id, ObjectName, created, model.Name, data, new EmbeddingUsageDto(promptTokens, promptTokens)),
            ApiJson.Context.PoolingResponse,
            cancellationToken: cancellationToken);
    }
}
