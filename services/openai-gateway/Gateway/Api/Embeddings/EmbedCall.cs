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
    /// <param name="model">The model the request named: the served model's name labels the metrics and the
    /// not-an-embedding-model 400, and an adapter the scheduler no longer serves is a 404 naming it.</param>
    /// <param name="origin">Where the prompt came from, which a refusal of it names.</param>
    public static async Task<EmbeddingResult> RunAsync(
        IGenerationService generation,
        ServedModel servedModel,
        GatewayMetrics metrics,
        ResolvedModel model,
        EmbeddingRequest request,
        PromptOrigin origin,
        CancellationToken cancellationToken)
    {
        var timing = metrics.Start(model.Info.Name);
        EmbeddingResult result;
        try
        {
            result = await generation.EmbedAsync(request, cancellationToken);
        }
        catch (RpcException e) when (ServedModel.RefusesUnloadedAdapter(e, model))
        {
            throw servedModel.ForgetUnloadedAdapter(model);
        }
        catch (RpcException e) when (EmbeddingErrors.Translate(e, model.Info.Name, origin) is { } refusal)
        {
            throw refusal;
        }

        // A pooled prompt finishes as vLLM's do: stopped, with no generated tokens.
        timing.Finished(FinishReason.Stop, new GenerationUsage(result.PromptTokens, 0, result.CachedPromptTokens));
        return result;
    }

    /// <summary>
    /// The calls of one request that pools several prompts, as <see cref="EmbeddingBatch"/> runs them (bounded, results in
    /// prompt order, the first failure failing them all): prompt i is <paramref name="requestOf"/>(i), refused in the
    /// words of <paramref name="originOf"/>(i).
    /// </summary>
    public static Task<EmbeddingResult[]> RunEachAsync(
        int count,
        Func<int, EmbeddingRequest> requestOf,
        Func<int, PromptOrigin> originOf,
        IGenerationService generation,
        ServedModel servedModel,
        GatewayMetrics metrics,
        ResolvedModel model,
        CancellationToken cancellationToken) =>
        EmbeddingBatch.RunAsync(
            count,
            (i, token) => RunAsync(generation, servedModel, metrics, model, requestOf(i), originOf(i), token),
            cancellationToken);
}
