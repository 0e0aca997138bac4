namespace Gateway.Backends;

/// <summary>The scheduler's public API, in domain types.</summary>
public interface IGenerationService
{
    /// <summary>
    /// Streams the updates of one request. Cancelling <paramref name="cancellationToken"/> or disposing the
    /// enumerator early aborts the request in the scheduler. Failures surface as <c>RpcException</c>.
    /// </summary>
    IAsyncEnumerable<GenerationOutput> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Embeds one prompt. Cancelling <paramref name="cancellationToken"/> aborts it in the scheduler. Failures surface
    /// as <c>RpcException</c>; FAILED_PRECONDITION when the served model embeds nothing.
    /// </summary>
    Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken);

    /// <summary>The served model and its limits, asked fresh.</summary>
    Task<ModelInfo> GetModelInfoAsync(DateTime? deadline, CancellationToken cancellationToken);

    /// <summary>Whether a request can be served end to end, and by how many workers; asked fresh.</summary>
    Task<SchedulerStatus> GetStatusAsync(DateTime? deadline, CancellationToken cancellationToken);
}
