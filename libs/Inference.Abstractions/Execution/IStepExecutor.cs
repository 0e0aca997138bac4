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
}

/// <summary>The executor could not run a step (device fault, worker gone); its requests must be re-queued.</summary>
public sealed class ExecutorFaultException(string message, Exception? inner = null) : Exception(message, inner);
