using Gateway.Api.Sampling;
using Gateway.Backends;
using Gateway.Observability;

namespace Gateway.Api.Embeddings;

/// <summary>
/// What every endpoint that pools prompts does around its own reading and answering (embeddings, classify, pooling,
/// score, rerank): the model the request names with its answer's id, and an input-per-call run of its inputs.
/// </summary>
public static class PooledInputs
{
    /// <summary>
    /// The model (the request's model must name the served one or one of its LoRA adapters, which then runs every
    /// prompt) and the answer's id: <c>{idPrefix}-{request_id}</c>, else a new one.
    /// </summary>
    public static async Task<(ResolvedModel Model, string Id)> ResolveAsync(
        string idPrefix, string? requestedModel, string? requestId, ServedModel servedModel, CancellationToken cancellationToken)
    {
        var model = await servedModel.ResolveAsync(requestedModel, cancellationToken);
        return (model, RequestIds.Named(idPrefix, requestId) ?? RequestIds.New(idPrefix));
    }

    /// <summary>
    /// The request's <c>input</c> items, one Embed call each (<see cref="EmbedCall.RunEachAsync"/>): input i runs as
    /// "{id}-{i}", the first too, as vLLM numbers them, and a refusal of it names input (input[i] in the message).
    /// </summary>
    /// <param name="requestOf">Input i's engine request under the given request id.</param>
    public static Task<EmbeddingResult[]> RunAsync(
        int count,
        Func<int, string, EmbeddingRequest> requestOf,
        string id,
        ResolvedModel model,
        IGenerationService generation,
        ServedModel servedModel,
        GatewayMetrics metrics,
        CancellationToken cancellationToken) =>
        EmbedCall.RunEachAsync(
            count,
            index => requestOf(index, $"{id}-{index}"),
            index => PromptOrigin.Of(EmbeddingInputs.Field, index, count),
            generation, servedModel, metrics, model, cancellationToken);
}
