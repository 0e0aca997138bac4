namespace Scheduler.Core.Engine;

/// <summary>The cancellation of one step call: its deadline, the engine's shutdown, or its worker leaving.</summary>
internal sealed class StepCall : IDisposable
{
    private readonly CancellationTokenSource _deadline;
    private readonly CancellationTokenSource _linked;

    public StepCall(TimeSpan deadline, TimeProvider time, CancellationToken stopping)
    {
        Deadline = deadline;
        _deadline = new CancellationTokenSource(deadline, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _deadline.Token);
    }

    public TimeSpan Deadline { get; }

    public CancellationToken Token => _linked.Token;

    public bool DeadlinePassed => _deadline.IsCancellationRequested;

    /// <summary>The worker left: stop waiting for it. Cancelled calls are disposed by the step task's end.</summary>
    public void Cancel()
    {
        try
        {
            _linked.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _linked.Dispose();
        _deadline.Dispose();
    }
}
