using System.Threading.Channels;
using Inference.Abstractions.Execution;
using Microsoft.Extensions.Logging;
using Scheduler.Core.Scheduling;

namespace Scheduler.Core.Engine;

/// <summary>
/// The one task that owns the scheduler: it takes new requests and aborts from a channel, builds a step,
/// awaits the executor, applies the result and publishes each request's outputs to its own channel.
/// Nothing else touches scheduler state, so the core takes no locks. Idle, it waits on the channel.
/// </summary>
internal sealed partial class EngineLoop : IAsyncDisposable
{
    private readonly Channel<EngineCommand> _commands =
        Channel.CreateUnbounded<EngineCommand>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, LiveRequest> _live = [];
    private readonly RequestScheduler _scheduler;
    private readonly IStepExecutor _executor;
    private readonly EngineOptions _options;
    private readonly ILogger _logger;
    private readonly EngineMetrics? _metrics;
    private readonly TimeProvider _time;
    private readonly ThroughputStats _throughput;
    private readonly CancellationTokenSource _stopping = new();
    private Task _run = Task.CompletedTask;
    private EngineSnapshot _snapshot = EngineSnapshot.Empty;
    private int _consecutiveFaults;

    public EngineLoop(
        RequestScheduler scheduler,
        IStepExecutor executor,
        EngineOptions options,
        ILogger logger,
        EngineMetrics? metrics,
        TimeProvider time)
    {
        _scheduler = scheduler;
        _executor = executor;
        _options = options;
        _logger = logger;
        _metrics = metrics;
        _time = time;
        _throughput = new ThroughputStats(time.GetTimestamp());
    }

    public EngineSnapshot Snapshot => Volatile.Read(ref _snapshot);

    public void Start() => _run = Task.Run(() => RunAsync(_stopping.Token));

    /// <returns>False once the engine is shutting down.</returns>
    public bool Submit(EngineRequest request, ChannelWriter<EngineOutput> outputs) =>
        _commands.Writer.TryWrite(new AddRequestCommand(request, outputs));

    public void Abort(string requestId) => _commands.Writer.TryWrite(new AbortRequestCommand(requestId));

    public async ValueTask DisposeAsync()
    {
        _commands.Writer.TryComplete();
        await _stopping.CancelAsync();
        await _run.ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                ApplyCommands();
                LogStatsIfDue();
                if (!_scheduler.HasUnfinishedRequests)
                {
                    await WaitForCommandsAsync(cancellationToken);
                    continue;
                }

                var plan = _scheduler.Schedule();
                if (plan.TotalScheduledTokens == 0)
                {
                    // Nothing fits until a request ends or arrives; both come through the channel.
                    await WaitForCommandsAsync(cancellationToken);
                    continue;
                }

                await RunStepAsync(plan, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception ex)
        {
            LogLoopCrashed(ex);
        }
        finally
        {
            AbortEverything();
        }
    }

    private async Task RunStepAsync(StepPlan plan, CancellationToken cancellationToken)
    {
        IReadOnlyList<EngineOutput> outputs;
        try
        {
            var result = await _executor.ExecuteAsync(plan, cancellationToken);
            outputs = _scheduler.UpdateFromOutput(result);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Any executor failure, typed or not, must not lose requests: all running ones go back to waiting.
            _scheduler.OnStepFailed(plan);
            _consecutiveFaults++;
            var backoff = Backoff(_consecutiveFaults);
            LogExecutorFault(ex, plan.StepId, _scheduler.NumWaiting, backoff.TotalSeconds);
            UpdateSnapshot();
            await Task.Delay(backoff, _time, cancellationToken);
            return;
        }

        _consecutiveFaults = 0;
        var stats = _scheduler.LastStepStats;
        _throughput.Add(stats.NumPromptTokens, outputs.Sum(o => o.NewTokens.Count), stats.PrefixCacheQueries, stats.PrefixCacheHits);
        _metrics?.RecordStep(stats, outputs.Sum(o => o.NewTokens.Count));
        if (stats.NumPreemptions > 0)
        {
            LogPreempted(stats.NumPreemptions, plan.StepId);
        }

        foreach (var output in outputs)
        {
            Publish(output);
        }

        UpdateSnapshot();
    }

    private void ApplyCommands()
    {
        while (_commands.Reader.TryRead(out var command))
        {
            switch (command)
            {
                case AddRequestCommand add:
                    Add(add);
                    break;
                case AbortRequestCommand abort:
                    if (_scheduler.Abort(abort.RequestId) is { } aborted)
                    {
                        Publish(aborted);
                    }

                    break;
            }
        }

        UpdateSnapshot();
    }

    private void Add(AddRequestCommand add)
    {
        var request = add.Request;
        try
        {
            if (_live.ContainsKey(request.RequestId))
            {
                throw new ArgumentException($"Request id {request.RequestId} is already in use.");
            }

            _scheduler.AddRequest(request);
            _live[request.RequestId] = new LiveRequest(request, add.Outputs);
        }
        catch (ArgumentException ex)
        {
            // The front validates first; a request the scheduler still refuses ends as aborted, never
            // taking the loop down.
            LogRequestRefused(ex, request.RequestId);
            add.Outputs.TryWrite(new EngineOutput(request.RequestId, [], FinishReason.Abort, null, request.NumPromptTokens, 0, 0));
            add.Outputs.TryComplete();
        }
    }

    private void Publish(EngineOutput output)
    {
        if (!_live.TryGetValue(output.RequestId, out var live))
        {
            return;
        }

        RecordLatencies(live.Request, output);
        live.Outputs.TryWrite(output);
        if (output.Finish is not null)
        {
            live.Outputs.TryComplete();
            _live.Remove(output.RequestId);
        }
    }

    private void RecordLatencies(EngineRequest request, EngineOutput output)
    {
        if (_metrics is null)
        {
            return;
        }

        var now = _time.GetTimestamp();
        if (output.NewTokens.Count > 0)
        {
            if (!request.HasFirstToken)
            {
                request.HasFirstToken = true;
                _metrics.RecordFirstToken(_time.GetElapsedTime(request.ArrivalTimestamp, now));
            }
            else
            {
                _metrics.RecordInterToken(_time.GetElapsedTime(request.LastTokenTimestamp, now));
            }

            request.LastTokenTimestamp = now;
        }

        if (output.Finish is { } finish)
        {
            _metrics.RecordFinished(finish, _time.GetElapsedTime(request.ArrivalTimestamp, now));
        }
    }

    private async Task WaitForCommandsAsync(CancellationToken cancellationToken)
    {
        if (!_throughput.HasActivity)
        {
            await _commands.Reader.WaitToReadAsync(cancellationToken);
            return;
        }

        // Wake up for the last stats line of a burst even if no new work comes.
        var due = _options.StatsInterval - _time.GetElapsedTime(_throughput.IntervalStart);
        using var timeout = new CancellationTokenSource(due > TimeSpan.Zero ? due : TimeSpan.Zero, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await _commands.Reader.WaitToReadAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogStatsIfDue();
        }
    }

    private void LogStatsIfDue()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_throughput.IntervalStart, now);
        if (elapsed < _options.StatsInterval)
        {
            return;
        }

        if (_throughput.HasActivity || _scheduler.HasUnfinishedRequests)
        {
            var seconds = elapsed.TotalSeconds;
            var hitRate = _throughput.PrefixQueries == 0 ? 0 : 100.0 * _throughput.PrefixHits / _throughput.PrefixQueries;
            LogStats(
                _throughput.PromptTokens / seconds,
                _throughput.GenerationTokens / seconds,
                _scheduler.NumRunning,
                _scheduler.NumWaiting,
                100.0 * _scheduler.KvCache.Usage,
                hitRate);
        }

        _throughput.Reset(now);
    }

    private TimeSpan Backoff(int consecutiveFaults)
    {
        var factor = Math.Pow(2, Math.Min(consecutiveFaults - 1, 20));
        var backoff = TimeSpan.FromTicks((long)Math.Min(_options.ExecutorFaultBackoff.Ticks * factor, _options.MaxExecutorFaultBackoff.Ticks));
        return backoff;
    }

    private void UpdateSnapshot() => Volatile.Write(
        ref _snapshot,
        new EngineSnapshot(_scheduler.NumRunning, _scheduler.NumWaiting, _scheduler.KvCache.Usage));

    private void AbortEverything()
    {
        _commands.Writer.TryComplete();
        while (_commands.Reader.TryRead(out var command))
        {
            if (command is AddRequestCommand add)
            {
                add.Outputs.TryWrite(new EngineOutput(add.Request.RequestId, [], FinishReason.Abort, null, add.Request.NumPromptTokens, 0, 0));
                add.Outputs.TryComplete();
            }
        }

        foreach (var requestId in _live.Keys.ToArray())
        {
            if (_scheduler.Abort(requestId) is { } aborted)
            {
                Publish(aborted);
            }
        }

        UpdateSnapshot();
    }

    private sealed record LiveRequest(EngineRequest Request, ChannelWriter<EngineOutput> Outputs);
}
