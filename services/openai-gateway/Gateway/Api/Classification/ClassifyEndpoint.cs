using Gateway.Api.Embeddings;
using Gateway.Api.Errors;
using Gateway.Api.Json;
using Gateway.Backends;
using Gateway.Configuration;
using Gateway.Observability;
using Inference.Abstractions.Execution;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Classification;

/// <summary>
/// <c>POST /classify</c> and <c>/v1/classify</c>: vLLM's classification API for a sequence-classification model, one
/// scheduler Embed call (task classify) per input; each answer is the class logits through the model's activation, and
/// the label of the largest.
/// </summary>
public static class ClassifyEndpoint
{
    private const string IdPrefix = "classify";
    private const string ObjectName = "list";

    public static async Task HandleAsync(
        HttpContext http,
        IGenerationService generation,
        ServedModel servedModel,
        GatewayMetrics metrics,
        IOptions<GatewayOptions> options)
    {
        var cancellationToken = http.RequestAborted;
        var fields = await RequestBody.ReadObjectAsync(http.Request, cancellationToken);
        var request = ClassifyRequest.Read(fields, options.Value.TrustRequestChatTemplate);
        var (model, id, created) = await request.Inputs.ResolveAsync(IdPrefix, servedModel, cancellationToken);
        var classifier = model.Info.Classifier
            ?? throw ApiException.BadRequest($"The model `{model.Info.Name}` does not support the classification API: it is no sequence classifier.", "model");
        var results = await request.Inputs.RunAsync(id, model, generation, servedModel, metrics, cancellationToken, PoolingTask.Classify);

        var data = results.Select((result, index) =>
        {
            var probs = request.UseActivation ? ClassifierInfo.Apply(classifier.ClassifyActivation, result.Embedding) : result.Embedding;
            int best = 0;
            for (int i = 1; i < probs.Length; i++)
            {
                best = probs[i] > probs[best] ? i : best;
            }

            return new ClassifyData(index, classifier.Labels[best], probs, classifier.NumLabels);
        }).ToArray();
        var promptTokens = results.Sum(r => r.PromptTokens);
        await http.Response.WriteAsJsonAsync(
            new ClassifyResponse(id, ObjectName, created, model.Name, data, new ClassifyUsage(promptTokens, promptTokens, 0, null)),
            ApiJson.Context.ClassifyResponse,
            cancellationToken: cancellationToken);
    }
}
