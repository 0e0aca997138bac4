using System.Collections.Concurrent;

namespace Gateway.Api.Responses;

/// <summary>
/// The Responses API's <c>background: true</c> runs: each runs on its own after its request has returned, until it
/// ends, is cancelled (<c>POST /v1/responses/{id}/cancel</c>, <c>DELETE</c>), or the gateway stops (every run is
/// cancelled then, so none outlives the process silently).
/// </summary>
public sealed class BackgroundResponses : IDisposable
{
    private readonly ConcurrentDictionary<string, Run> _runs = new();
    private readonly CancellationTokenRegistration _stopping;
    private readonly CancellationToken _applicationStopping;

    public BackgroundResponses(IHostApplicationLifetime lifetime)
    {
        _applicationStopping = lifetime.ApplicationStopping;
        _stopping = _applicationStopping.Register(() =>
        {
            foreach (var run in _runs.Values)
            {
                run.Cancellation.Cancel();
            }
        });
    }

    /// <summary>Starts <paramref name="work"/> for response <paramref name="id"/>; its token is cancelled by <see cref="CancelAsync"/> or shutdown.</summary>
    public void Start(string id, Func<CancellationToken, Task> work)
    {
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_applicationStopping);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(async () =>
        {
            await started.Task;
            try
            {
                await work(cancellation.Token);
            }
            finally
            {
                _runs.TryRemove(id, out _);
                cancellation.Dispose();
            }
        });
        _runs[id] = new Run(cancellation, task);
        started.SetResult();
    }

    /// <summary>Cancels response <paramref name="id"/>'s run and waits for it to record how it ended; false when none is running.</summary>
    public async Task<bool> CancelAsync(string id)
    {
        if (!_runs.TryGetValue(id, out var run))
        {
            return false;
        }

        try
        {
            await run.Cancellation.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // It ended between the lookup and the cancel.
        }

        await run.Task;
        return true;
    }

    public bool IsRunning(string id) => _runs.ContainsKey(id);

    public void Dispose() => _stopping.Dispose();

    private sealed record Run(CancellationTokenSource Cancellation, Task Task);
}
