using Inference.Abstractions.Execution;
using Scheduler.Core.Scheduling;

namespace Scheduler.Core;

public sealed partial class InferenceEngine
{
    /// <summary>
    /// Validates, tokenizes and embeds one prompt: it runs as an engine request that computes its prompt (in the same
    /// batches as generation, chunked alike, and prefix-cached for last-token pooling) and pools its hidden states
    /// instead of sampling. Cancelling <paramref name="cancellationToken"/> aborts it and frees its blocks.
    /// </summary>
    /// <exception cref="GenerationValidationException">The request is invalid; nothing was queued.</exception>
    /// <exception cref="TaskNotSupportedException">The model does not answer the request's task (it embeds nothing, or is
    /// a classifier asked for an embedding, or no classifier asked for class logits).</exception>
    /// <exception cref="EngineOverloadedException">The admission bound is reached; nothing was queued.</exception>
    /// <exception cref="EngineUnavailableException">No worker served the request within the no-worker timeout.</exception>
    /// <exception cref="OperationCanceledException">Cancelled, aborted by id (<see cref="Abort"/>), or the engine shut down.</exception>
    public async Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var classifier = ExecutorInfo.Classifier;
        var pooling = request.Task switch
        {
            PoolingTask.Classify when classifier is null => throw TaskNotSupportedException.Classification(ServedModelName),
            PoolingTask.Embed when classifier is not null => throw TaskNotSupportedException.EmbeddingsOfClassifier(ServedModelName),
            _ => ExecutorInfo.Pooling ?? throw TaskNotSupportedException.Embeddings(ServedModelName),
        };
        using var lora = _loras.Acquire(request.LoraName);
        _validator.ValidateEmbedding(request, pooling, ServedModelName);

        if (Interlocked.Increment(ref _numAdmitted) > Options.MaxConcurrentRequests)
        {
            Interlocked.Decrement(ref _numAdmitted);
            _metrics?.RecordRejected();
            throw new EngineOverloadedException(Options.MaxConcurrentRequests);
        }

        try
        {
            var promptIds = await TokenizeAsync(request.Prompt, cancellationToken);
            if (request.TruncatePromptTokens is { } keep)
            {
                keep = keep == -1 ? MaxModelLength : keep;
                promptIds = promptIds.Count <= keep ? promptIds : [.. promptIds.Skip(promptIds.Count - keep)];
            }

            _validator.ValidateEmbeddingPrompt(promptIds);
            var requestId = string.IsNullOrEmpty(request.RequestId) ? $"embd-{Guid.NewGuid():N}" : request.RequestId;
            ReserveRequestId(requestId);
            try
            {
                // Its one step "samples" nothing: max_tokens 1 only keeps the stopping rules' arithmetic whole.
                var engineRequest = new EngineRequest(requestId, promptIds, SamplingParams.Greedy, new StoppingCriteria(MaxTokens: 1),
                    request.Priority, _time.GetTimestamp(), request.CacheSalt,
                    new PoolingParams(request.Normalize ?? pooling.Normalize, request.Dimensions), request.LoraName, LoadIdOf(request.LoraName))
                {
                    PoolsWholePrompt = pooling.NeedsWholePrompt,
                };
                await foreach (var output in RunEngineRequestAsync(engineRequest, cancellationToken))
                {
                    if (output.Embedding is { } embedding)
                    {
                        return new EmbeddingResult(requestId, embedding, output.NumPromptTokens, output.NumCachedTokens);
                    }
                }

                // Aborted by id, or the engine shut down before its prompt was computed.
                throw new OperationCanceledException($"Request {requestId} was aborted.");
            }
            finally
            {
                _liveRequestIds.TryRemove(requestId, out _);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _numAdmitted);
        }
    }
}
