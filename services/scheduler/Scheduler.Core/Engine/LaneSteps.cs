namespace Scheduler.Core.Engine;

/// <summary>
/// The steps of one lane in flight (one, or two with async scheduling), in the order they were built. Each step is
/// handed to the executor only after the one before it was, so the worker receives them in order, and its result is
/// reported to the engine loop only after the one before it, so the loop applies them in order.
/// </summary>
internal sealed class LaneSteps
{
    private readonly Queue<StepCall> _calls = new();
    private Task _handedOver = Task.CompletedTask;
    private Task<long> _reported = Task.FromResult(0L);

    /// <summary>The deadlines of the steps in flight together: a step sent behind them may wait for all of them.</summary>
    public TimeSpan DeadlinesAhead => _calls.Aggregate(TimeSpan.Zero, (sum, call) => sum + call.Deadline);

    /// <summary>Queues a step's call behind those in flight; the returned turn orders it after them.</summary>
    public StepTurn Add(StepCall call)
    {
        var turn = new StepTurn(_handedOver, _reported);
        _handedOver = turn.HandedOver.Task;
        _reported = turn.Reported.Task;
        _calls.Enqueue(call);
        return turn;
    }

    /// <summary>The oldest step's result reached the loop.</summary>
    public void RemoveOldest() => _calls.TryDequeue(out _);

    /// <summary>The worker left or the engine stops: stop waiting for any of its steps.</summary>
    public void CancelAll()
    {
        foreach (var call in _calls)
        {
            call.Cancel();
        }

        _calls.Clear();
    }
}

/// <summary>One step's place in its lane's order.</summary>
/// <param name="PreviousHandedOver">Completes once the step before was handed to the executor.</param>
/// <param name="PreviousReported">Completes, with the timestamp its call ended, once the step before was reported.</param>
internal sealed class StepTurn(Task PreviousHandedOver, Task<long> PreviousReported)
{
    public Task PreviousHandedOver { get; } = PreviousHandedOver;

    public Task<long> PreviousReported { get; } = PreviousReported;

    /// <summary>Set once this step was handed to the executor (or failed before).</summary>
    public TaskCompletionSource HandedOver { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set, with the timestamp its call ended, once this step's completion was posted to the loop.</summary>
    public TaskCompletionSource<long> Reported { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
