using System.Threading.Channels;
using Inference.Abstractions.Execution;
using Microsoft.Extensions.Logging;
using Scheduler.Core.Fleet;
using Scheduler.Core.Scheduling;

namespace Scheduler.Core.Engine;

/// <summary>
/// The one task that owns the engine's state (the <see cref="WorkerFleet"/>): it takes requests, aborts,
/// worker joins and leaves, and step completions from one channel; starts a step on every worker that has work and
/// room for one (with async scheduling a worker has its next step queued while one runs, <see cref="LaneSteps"/>);
/// and publishes each request's outputs to its own channel. Steps of different workers run concurrently
/// and report back through the channel, so a slow or hung worker never holds up the others, and the core takes
/// no locks. Each step has a deadline; a worker that fails or misses one leaves the fleet and its requests
/// move to the others.
/// </summary>
internal sealed partial class EngineLoop : IAsyncDisposable
{
    private readonly Channel<EngineCommand> _commands =
        Channel.CreateUnbounded<EngineCommand>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, LiveRequest> _live = [];
    private readonly Dictionary<WorkerLane, LaneSteps> _stepCalls = [];
    private readonly Dictionary<string, int> _consecutiveFaults = [];
    private readonly HashSet<WorkerLane> _rejoinAfterFault = [];
    private readonly WorkerFleet _fleet;
    private readonly EngineOptions _options;
    private readonly ILogger _logger;
    private readonly EngineMetrics? _metrics;
    private readonly TimeProvider _time;
    private readonly ThroughputStats _throughput;
    private readonly CancellationTokenSource _stopping = new();
    private Task _run = Task.CompletedTask;
    private EngineSnapshot _snapshot = EngineSnapshot.Empty;
    private long? _noWorkerSince;

    public EngineLoop(WorkerFleet fleet, EngineOptions options, ILogger logger, EngineMetrics? metrics, TimeProvider time)
    {
        _fleet = fleet;
        _options = options;
        _logger = logger;
        _metrics = metrics;
        _time = time;
        _throughput = new ThroughputStats(time.GetTimestamp());
        _noWorkerSince = time.GetTimestamp();
    }

    public EngineSnapshot Snapshot => Volatile.Read(ref _snapshot);

    public void Start() => _run = Task.Run(() => RunAsync(_stopping.Token));

    /// <returns>False once the engine is shutting down.</returns>
    public bool Submit(EngineRequest request, ChannelWriter<EngineOutput> outputs) =>
        _commands.Writer.TryWrite(new AddRequestCommand(request, outputs));

    public void Abort(string requestId) => _commands.Writer.TryWrite(new AbortRequestCommand(requestId));

    public void AddWorker(string workerId, string instanceId, IStepExecutor executor, bool rejoinAfterFault) =>
        _commands.Writer.TryWrite(new AddWorkerCommand(workerId, instanceId, executor, rejoinAfterFault));

    public void RemoveWorker(string workerId, string? instanceId, string reason) =>
        _commands.Writer.TryWrite(new RemoveWorkerCommand(workerId, instanceId, reason));

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
                FailRequestsWithoutWorker();
                StartSteps();
                LogStatsIfDue();
                UpdateSnapshot();
                await WaitForCommandsAsync(cancellationToken);
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
                    if (_fleet.Abort(abort.RequestId) is { } aborted)
                    {
                        Publish(aborted);
                    }

                    break;
                case StepCompletedCommand completed:
                    Complete(completed);
                    break;
                case AddWorkerCommand join:
                    Join(join);
                    break;
                case RemoveWorkerCommand remove:
                    if (_fleet.FindLane(remove.WorkerId) is { } lane && (remove.InstanceId is null || remove.InstanceId == lane.InstanceId))
                    {
                        Leave(lane, remove.Reason);
                    }

                    break;
            }
        }
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

            _fleet.Add(request);
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

    private void Join(AddWorkerCommand join)
    {
        if (_fleet.FindLane(join.WorkerId) is { } serving)
        {
            if (serving.InstanceId == join.InstanceId)
            {
                return;
            }

            Leave(serving, $"restarted as instance {join.InstanceId}");
        }

        var lane = _fleet.AddWorker(join.WorkerId, join.InstanceId, join.Executor.Info.NumBlocks, join.Executor);
        if (join.RejoinAfterFault)
        {
            _rejoinAfterFault.Add(lane);
        }

        _noWorkerSince = null;
        _metrics?.RecordWorkerJoined(lane.WorkerId);
        LogWorkerJoined(lane.WorkerId, lane.InstanceId, join.Executor.Info.NumBlocks, _fleet.Lanes.Count);
    }

    /// <summary>The lane leaves the fleet; its requests move to the other lanes (or wait for one).</summary>
    private void Leave(WorkerLane lane, string reason)
    {
        if (_stepCalls.Remove(lane, out var steps))
        {
            steps.CancelAll();
        }

        var moved = _fleet.RemoveWorker(lane);
        _metrics?.RecordWorkerLeft(lane.WorkerId, moved);
        LogWorkerLeft(lane.WorkerId, lane.InstanceId, reason, moved, _fleet.Lanes.Count);
        if (_fleet.Lanes.Count == 0)
        {
            _noWorkerSince ??= _time.GetTimestamp();
        }

        if (_rejoinAfterFault.Remove(lane))
        {
            var faults = _consecutiveFaults[lane.WorkerId] = _consecutiveFaults.GetValueOrDefault(lane.WorkerId) + 1;
            _ = RejoinLaterAsync(new AddWorkerCommand(lane.WorkerId, lane.InstanceId, lane.Executor, RejoinAfterFault: true), Backoff(faults));
        }
    }

    private async Task RejoinLaterAsync(AddWorkerCommand join, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _stopping.Token);
            _commands.Writer.TryWrite(join);
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private void StartSteps()
    {
        foreach (var lane in _fleet.Lanes)
        {
            while (_fleet.BuildStep(lane) is { } plan)
            {
                if (!_stepCalls.TryGetValue(lane, out var steps))
                {
                    _stepCalls[lane] = steps = new LaneSteps();
                }

                var call = new StepCall(_options.StepDeadline(plan.TotalScheduledTokens) + steps.DeadlinesAhead, _time, _stopping.Token);
                var turn = steps.Add(call);
                _ = Task.Run(() => RunStepAsync(lane, plan, call, turn));
            }
        }
    }

    /// <summary>Runs on the thread pool; reports back only through the command channel, in the lane's step order.</summary>
    private async Task RunStepAsync(WorkerLane lane, StepPlan plan, StepCall call, StepTurn turn)
    {
        EngineCommand completed;
        await turn.PreviousHandedOver.ConfigureAwait(false);
        long sent = _time.GetTimestamp();
        try
        {
            Task<StepResult> execution;
            try
            {
                execution = lane.Executor.ExecuteAsync(plan, call.Token);
            }
            finally
            {
                turn.HandedOver.TrySetResult();
            }

            var result = await execution.ConfigureAwait(false);
            completed = new StepCompletedCommand(lane, result, null, null, CallTime(sent, await turn.PreviousReported.ConfigureAwait(false)));
        }
        catch (Exception ex)
        {
            var reason = call.DeadlinePassed
                ? $"step {plan.StepId} ({plan.TotalScheduledTokens} tokens) missed its {call.Deadline.TotalSeconds:F1} s deadline"
                : $"step {plan.StepId} failed: {ex.Message}";
            completed = new StepCompletedCommand(lane, null, reason, ex, CallTime(sent, await turn.PreviousReported.ConfigureAwait(false)));
        }
        finally
        {
            call.Dispose();
        }

        _commands.Writer.TryWrite(completed);
        turn.Reported.TrySetResult(_time.GetTimestamp());
    }

    /// <summary>The worker's side of a step: from when it could start (sent, and the step before it ended) to now.</summary>
    private TimeSpan CallTime(long sent, long previousEnded) => _time.GetElapsedTime(Math.Max(sent, previousEnded));

    private void Complete(StepCompletedCommand completed)
    {
        var lane = completed.Lane;
        if (!lane.IsActive)
        {
            return; // The lane left while its step ran; its requests already moved.
        }

        _stepCalls.GetValueOrDefault(lane)?.RemoveOldest();
        if (completed.Result is not { } result)
        {
            LogStepFailed(completed.Failure, lane.WorkerId, completed.FailureReason!);
            Leave(lane, completed.FailureReason!);
            return;
        }

        IReadOnlyList<EngineOutput> outputs;
        var stats = lane.StepsInFlight.TryPeek(out var step) ? step.Stats : default;
        try
        {
            outputs = _fleet.CompleteStep(lane, result);
        }
        catch (ExecutorFaultException ex)
        {
            Leave(lane, ex.Message);
            return;
        }

        _consecutiveFaults.Remove(lane.WorkerId);
        var generated = outputs.Sum(o => o.NewTokens.Count);
        _throughput.Add(stats.NumPromptTokens, generated, stats.PrefixCacheQueries, stats.PrefixCacheHits);
        _metrics?.RecordStep(lane.WorkerId, stats, generated, result.Timings.TotalNs / 1e9, completed.CallTime.TotalSeconds);
        if (!lane.Scheduler.LastSpeculation.IsEmpty)
        {
            _throughput.Speculation.Add(lane.Scheduler.LastSpeculation);
            _metrics?.RecordSpeculation(lane.Scheduler.LastSpeculation);
        }

        if (stats.NumPreemptions > 0)
        {
            LogPreempted(stats.NumPreemptions, lane.WorkerId, result.StepId);
        }

        foreach (var output in outputs)
        {
            Publish(output);
        }
    }

    /// <summary>Requests waiting for a worker fail once none has served for the no-worker timeout.</summary>
    private void FailRequestsWithoutWorker()
    {
        if (_fleet.NumUnplaced == 0 || _noWorkerSince is not { } since || _time.GetElapsedTime(since) < _options.NoWorkerTimeout)
        {
            return;
        }

        var failed = _fleet.TakeUnplaced();
        LogNoWorker(failed.Count, _options.NoWorkerTimeout.TotalSeconds);
        var error = new EngineUnavailableException(
            $"no worker has been available for {_options.NoWorkerTimeout.TotalSeconds:0.#} s; the request was not served.");
        foreach (var request in failed)
        {
            if (_live.Remove(request.RequestId, out var live))
            {
                _metrics?.RecordFailed();
                live.Outputs.TryComplete(error);
            }
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

    /// <summary>Waits for the next command; wakes up on its own for the stats line of a burst and for the
    /// no-worker timeout.</summary>
    private async Task WaitForCommandsAsync(CancellationToken cancellationToken)
    {
        var due = TimeSpan.MaxValue;
        if (_options.LogStats && _throughput.HasActivity)
        {
            due = _options.StatsInterval - _time.GetElapsedTime(_throughput.IntervalStart);
        }

        if (_fleet.NumUnplaced > 0 && _noWorkerSince is { } since)
        {
            var failDue = _options.NoWorkerTimeout - _time.GetElapsedTime(since);
            due = failDue < due ? failDue : due;
        }

        if (due == TimeSpan.MaxValue)
        {
            await _commands.Reader.WaitToReadAsync(cancellationToken);
            return;
        }

        using var timeout = new CancellationTokenSource(due > TimeSpan.Zero ? due : TimeSpan.Zero, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await _commands.Reader.WaitToReadAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Timed out: the loop's next turn logs or fails what is due.
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

        // With the line off the window still restarts, so its counters never grow without bound.
        if (_options.LogStats && (_throughput.HasActivity || _fleet.NumUnfinished > 0))
        {
            var seconds = elapsed.TotalSeconds;
            var hitRate = _throughput.PrefixQueries == 0 ? 0 : 100.0 * _throughput.PrefixHits / _throughput.PrefixQueries;
            var snapshot = BuildSnapshot();
            var perWorker = snapshot.Workers.Count < 2
                ? ""
                : " (" + string.Join(", ", snapshot.Workers.Select(w => FormattableString.Invariant($"{w.WorkerId} {100 * w.KvCacheUsage:F1}%"))) + ")";
            LogStats(
                _throughput.PromptTokens / seconds,
                _throughput.GenerationTokens / seconds,
                snapshot.NumRunning,
                snapshot.NumWaiting,
                100.0 * snapshot.KvCacheUsage,
                perWorker,
                hitRate);
            if (!_throughput.Speculation.IsEmpty)
            {
                LogSpeculation(_throughput.Speculation, seconds);
            }
        }

        _throughput.Reset(now);
    }

    private TimeSpan Backoff(int consecutiveFaults)
    {
        var factor = Math.Pow(2, Math.Min(consecutiveFaults - 1, 20));
        return TimeSpan.FromTicks((long)Math.Min(_options.ExecutorFaultBackoff.Ticks * factor, _options.MaxExecutorFaultBackoff.Ticks));
    }

    private void UpdateSnapshot() => Volatile.Write(ref _snapshot, BuildSnapshot());

    private EngineSnapshot BuildSnapshot()
    {
        int running = 0, waiting = _fleet.NumUnplaced, used = 0, total = 0;
        var workers = new WorkerSnapshot[_fleet.Lanes.Count];
        for (var i = 0; i < workers.Length; i++)
        {
            var lane = _fleet.Lanes[i];
            var scheduler = lane.Scheduler;
            var pool = scheduler.KvCache.Pool;
            running += scheduler.NumRunning;
            waiting += scheduler.NumWaiting;
            used += pool.NumBlocks - pool.NumFreeBlocks;
            total += pool.NumBlocks;
            workers[i] = new WorkerSnapshot(lane.WorkerId, lane.InstanceId, scheduler.NumRunning, scheduler.NumWaiting, pool.Usage, pool.NumBlocks, lane.NumSteps);
        }

        var (runningAdapters, waitingAdapters) = LoraAdaptersInUse.Of(_fleet);
        return new EngineSnapshot(running, waiting, total == 0 ? 0 : (double)used / total, _fleet.NumUnplaced, workers)
        {
            RunningLoraAdapters = runningAdapters,
            WaitingLoraAdapters = waitingAdapters,
        };
    }

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
            if (_fleet.Abort(requestId) is { } aborted)
            {
                Publish(aborted);
            }
        }

        foreach (var steps in _stepCalls.Values)
        {
            steps.CancelAll();
        }

        _stepCalls.Clear();
        UpdateSnapshot();
    }

    private sealed record LiveRequest(EngineRequest Request, ChannelWriter<EngineOutput> Outputs);
}
