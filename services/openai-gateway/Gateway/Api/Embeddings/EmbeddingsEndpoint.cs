using Gateway.Api.Json;
using Gateway.Backends;
using Gateway.Configuration;
using Gateway.Observability;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Embeddings;

/// <summary><c>POST /v1/embeddings</c>: OpenAI's embeddings API with vLLM's extras, one scheduler Embed call per input.</summary>
public static class EmbeddingsEndpoint
{
    private const string IdPrefix = "embd";
    private const string ObjectName = "list";
    private const string DataObjectName = "embedding";

    public static async Task HandleAsync(
        HttpContext http,
        IGenerationService generation,
        ServedModel servedModel,
        GatewayMetrics metrics,
        IOptions<GatewayOptions> options)
    {
        var cancellationToken = http.RequestAborted;
        var fields = await RequestBody.ReadObjectAsync(http.Request, cancellationToken);
        var request = EmbeddingsRequest.Read(fields, options.Value.TrustRequestChatTemplate);
        var (model, id, created) = await request.Inputs.ResolveAsync(IdPrefix, servedModel, cancellationToken);
        var results = await request.Inputs.RunAsync(id, model, generation, servedModel, metrics, cancellationToken,
            dimensions: request.Dimensions, normalize: request.Normalize);

        var data = results
            .Select((result, index) => new EmbeddingData(index, DataObjectName, new EmbeddingVector(result.Embedding, request.Encoding)))
            .ToArray();
        var promptTokens = results.Sum(r => r.PromptTokens);
        await http.Response.WriteAsJsonAsync(
            new EmbeddingResponse(id, ObjectName, created, model.Name, data, new EmbeddingUsageDto(promptTokens, promptTokens)),
            ApiJson.Context.EmbeddingResponse,
            cancellationToken: cancellationToken);
    }
}
