using Gateway.Api.Sampling;
using Gateway.Backends;
using Gateway.Observability;
using Grpc.Core;

namespace Gateway.Api.Embeddings;

/// <summary>
/// One scheduler Embed call as every endpoint that embeds makes it (embeddings, score, rerank): timed as one engine
/// request, as vLLM counts each pooled prompt, and refused in the words of the request that sent the prompt.
/// </summary>
public static class EmbedCall
{
    /// <param name="model">The served model's name, for the metrics and the not-an-embedding-model 400.</param>
    /// <param name="origin">Where the prompt came from, which a refusal of it names.</param>
    public static async Task<EmbeddingResult> RunAsync(
        IGenerationService generation,
        GatewayMetrics metrics,
        string model,
        EmbeddingRequest request,
        PromptOrigin origin,
        CancellationToken cancellationToken)
    {
        var timing = metrics.Start(model);
        EmbeddingResult result;
        try
        {
            result = await generation.EmbedAsync(request, cancellationToken);
        }
        catch (RpcException e) when (EmbeddingErrors.Translate(e, model, origin) is { } refusal)
        {
            throw refusal;
        }

        // A pooled prompt finishes as vLLM's do: stopped, with no generated tokens.
        timing.Finished(FinishReason.Stop, new GenerationUsage(result.PromptTokens, 0, result.CachedPromptTokens));
        return result;
    }
}
