using Inference.Abstractions.Execution;

namespace Gateway.Backends;

/// <summary>The scheduler's runtime LoRA loading (its <c>LoraAdapters</c> service), in domain types.</summary>
public interface ILoraAdapterService
{
    /// <summary>
    /// Loads the adapter in the folder <paramref name="path"/> (as the workers see it) and serves it under
    /// <paramref name="name"/>. Failures surface as <c>RpcException</c> with the scheduler's status: INVALID_ARGUMENT (no
    /// adapter for the served model, rank too high), ALREADY_EXISTS (the name is taken), NOT_FOUND (a worker has no such
    /// folder), UNAVAILABLE (no worker serves, or one did not answer).
    /// </summary>
    Task<LoraAdapterInfo> LoadAsync(string name, string path, CancellationToken cancellationToken);

    /// <summary>
    /// Stops serving the adapter <paramref name="name"/>; returns how many admitted requests still use it (they finish with
    /// it). Failures surface as <c>RpcException</c>: NOT_FOUND (no such adapter is loaded), FAILED_PRECONDITION (it was
    /// loaded at start and stays).
    /// </summary>
    Task<int> UnloadAsync(string name, CancellationToken cancellationToken);
}
