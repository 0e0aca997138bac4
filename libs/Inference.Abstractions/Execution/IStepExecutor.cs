namespace Inference.Abstractions.Execution;

/// <summary>
/// Runs engine steps on one device: in process (the model runner) or remotely (a worker over gRPC).
/// Steps are executed one at a time, in the order ExecuteAsync was called (which is StepId order). The engine may hand
/// over the next step before the previous one's result arrives (async scheduling), but only once the previous call
/// returned its task: an executor that runs a step on the calling thread thereby still sees them in order.
/// </summary>
public interface IStepExecutor
{
    ExecutorInfo Info { get; }

    /// <summary>Frees FinishedRequestIds, then runs the forward pass and samples.</summary>
    /// <exception cref="ExecutorFaultException">The executor failed or became unreachable.</exception>
    Task<StepResult> ExecuteAsync(StepPlan plan, CancellationToken cancellationToken);

    /// <summary>
    /// Loads a LoRA adapter while serving, so that a later step's new requests may name it (NewRequestData.LoraName).
    /// A name this executor loaded this way before is replaced; requests already running keep the weights they started
    /// with. Adapters loaded this way are not listed in <see cref="ExecutorInfo.LoraAdapters"/> (those loaded at start).
    /// </summary>
    /// <returns>The adapter as loaded (its rank).</returns>
    /// <exception cref="ArgumentException">The folder is no adapter for this model; the message says what is wrong.</exception>
    /// <exception cref="FileNotFoundException">No such folder, or no adapter_config.json in it.</exception>
    /// <exception cref="InvalidOperationException">The name is an adapter's loaded at start.</exception>
    /// <exception cref="ExecutorFaultException">The executor failed or became unreachable.</exception>
    /// <exception cref="NotSupportedException">This executor loads no adapters.</exception>
    Task<LoraAdapterInfo> LoadLoraAdapterAsync(string name, string path, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} does not load LoRA adapters.");

    /// <summary>Drops an adapter <see cref="LoadLoraAdapterAsync"/> loaded; requests already running keep its weights
    /// until they end.</summary>
    /// <returns>False when no adapter of that name was loaded at run time (nothing changed).</returns>
    /// <exception cref="InvalidOperationException">The name is an adapter's loaded at start.</exception>
    /// <exception cref="ExecutorFaultException">The executor failed or became unreachable.</exception>
    /// <exception cref="NotSupportedException">This executor loads no adapters.</exception>
    Task<bool> UnloadLoraAdapterAsync(string name, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} does not load LoRA adapters.");
}

/// <summary>The executor could not run a step (device fault, worker gone); its requests must be re-queued.</summary>
public sealed class ExecutorFaultException(string message, Exception? inner = null) : Exception(message, inner);
