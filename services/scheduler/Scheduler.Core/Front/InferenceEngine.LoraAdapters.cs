using System.Collections.Concurrent;
using System.Globalization;
using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Microsoft.Extensions.Logging;
using Scheduler.Core.Fleet;
using Scheduler.Core.Lora;

namespace Scheduler.Core;

/// <summary>
/// Workers joining, and LoRA adapters loaded and unloaded while the engine serves (vLLM's /v1/load_lora_adapter and
/// /v1/unload_lora_adapter). Every worker holds every adapter, so a request may run, or move, anywhere: a load reaches
/// every serving worker before requests may name it, a worker that joins loads every run-time adapter before it
/// serves, and an unloaded adapter leaves the workers only once no admitted request holds it. Loads, unloads and joins
/// take turns (one lock), so none of them misses another.
/// </summary>
public sealed partial class InferenceEngine
{
    private readonly LoraAdapterRegistry _loras;
    private readonly SemaphoreSlim _fleetChanges = new(1, 1);

    /// <summary>The executors that joined, by worker id, for loads and unloads; the loop owns their lanes.</summary>
    private readonly ConcurrentDictionary<string, (string InstanceId, IStepExecutor Executor)> _executors = new();
    private readonly ILogger _logger;

    /// <summary>The LoRA adapters requests may name: those every worker loaded at start (the first worker's; the others
    /// must match), then those loaded at run time, in load order.</summary>
    public IReadOnlyList<LoraAdapterInfo> LoraAdapters => _loras.Served;

    /// <summary>vllm:lora_requests_info's max_lora: the configured limit, else every adapter served (all may share a step);
    /// 0 while LoRA is unused (the gauge then reports nothing).</summary>
    private int MaxLorasLabel => _loras.Served.Count == 0 ? 0 : Options.MaxLoras ?? _loras.Served.Count;

    /// <summary>
    /// A worker instance starts serving under <paramref name="workerId"/> with an empty KV pool, once it loaded every
    /// LoRA adapter loaded at run time. If another instance serves under that id, it is removed first (its requests
    /// move). Adding the serving instance again changes nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The executor serves another model, its KV memory cannot hold one request of
    /// <see cref="MaxModelLength"/> tokens, or it cannot load an adapter loaded at run time; the message says what.</exception>
    /// <exception cref="ExecutorFaultException">It did not answer while loading an adapter; nothing changed.</exception>
    public async Task AddWorkerAsync(string workerId, string instanceId, IStepExecutor executor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(workerId);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentNullException.ThrowIfNull(executor);
        WorkerCompatibility.Check(ExecutorInfo, MaxModelLength, executor.Info);
        await _fleetChanges.WaitAsync(cancellationToken);
        try
        {
            foreach (var adapter in _loras.LoadedAtRunTime)
            {
                try
                {
                    var loaded = await executor.LoadLoraAdapterAsync(adapter.Name, adapter.Info.Path, cancellationToken);
                    RequireSameRank(adapter.Info, loaded, workerId);
                }
                catch (Exception ex) when (ex is ArgumentException or IOException or InvalidOperationException or NotSupportedException)
                {
                    throw new ArgumentException(
                        $"The worker cannot load the LoRA adapter '{adapter.Name}' that was loaded at run time from {adapter.Info.Path}: {ex.Message}", ex);
                }
            }

            _executors[workerId] = (instanceId, executor);
            _loop.AddWorker(workerId, instanceId, executor, rejoinAfterFault: false);
        }
        finally
        {
            _fleetChanges.Release();
        }
    }

    /// <summary>Removes a worker (failed health checks, gone); its requests move to the other workers.</summary>
    /// <param name="instanceId">Only if this instance serves under the id; null removes whichever does.</param>
    public void RemoveWorker(string workerId, string? instanceId, string reason)
    {
        if (_executors.TryGetValue(workerId, out var joined) && (instanceId is null || joined.InstanceId == instanceId))
        {
            _executors.TryRemove(new KeyValuePair<string, (string, IStepExecutor)>(workerId, joined));
        }

        _loop.RemoveWorker(workerId, instanceId, reason);
    }

    /// <summary>
    /// Loads a LoRA adapter on every worker, then serves it under <paramref name="name"/> (listed in
    /// <see cref="LoraAdapters"/>; requests may name it). If a worker fails, those that loaded it drop it again.
    /// </summary>
    /// <param name="path">The adapter's folder as the workers see it.</param>
    /// <returns>The adapter as served: the rank the workers read, the path as given.</returns>
    /// <exception cref="GenerationValidationException">lora_name or lora_path is empty, or the adapter's rank exceeds
    /// <see cref="EngineOptions.MaxLoraRank"/> (field lora_path).</exception>
    /// <exception cref="LoraAdapterConflictException">The name is taken.</exception>
    /// <exception cref="ArgumentException">A worker found no adapter for this model there (the message says what).</exception>
    /// <exception cref="FileNotFoundException">A worker has no such folder, or no adapter_config.json in it.</exception>
    /// <exception cref="EngineUnavailableException">No worker serves.</exception>
    /// <exception cref="ExecutorFaultException">A worker did not answer.</exception>
    public async Task<LoraAdapterInfo> LoadLoraAdapterAsync(string name, string path, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new GenerationValidationException("lora_name", "lora_name must name the adapter.");
        }

        if (string.IsNullOrEmpty(path))
        {
            throw new GenerationValidationException("lora_path", "lora_path must give the adapter's folder.");
        }

        await _fleetChanges.WaitAsync(cancellationToken);
        try
        {
            _loras.Reserve(name, ServedModelName);
            LoraAdapterInfo info;
            try
            {
                info = await LoadOnEveryWorkerAsync(name, path, cancellationToken);
            }
            catch
            {
                _loras.CancelLoad(name);
                throw;
            }

            var adapter = _loras.CompleteLoad(info);
            LogLoraAdapterLoaded(_logger, name, path, info.Rank, _executors.Count);
            return adapter.Info;
        }
        finally
        {
            _fleetChanges.Release();
        }
    }

    /// <summary>
    /// Stops serving an adapter loaded at run time: requests that name it are refused from now on; those admitted
    /// before finish with it, and the workers drop it once the last one ends (at once when none holds it).
    /// </summary>
    /// <returns>How many admitted requests still hold it.</returns>
    /// <exception cref="GenerationValidationException">lora_name is empty.</exception>
    /// <exception cref="LoraAdapterNotFoundException">No adapter of that name is served.</exception>
    /// <exception cref="InvalidOperationException">It was loaded at start.</exception>
    /// <remarks>Takes no cancellation: an unload, once begun, completes (one left half done would keep the name taken).</remarks>
    public async Task<int> UnloadLoraAdapterAsync(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new GenerationValidationException("lora_name", "lora_name must name the adapter.");
        }

        var (adapter, uses) = _loras.Retire(name);
        LogLoraAdapterUnloading(_logger, name, uses);
        if (uses == 0)
        {
            await DropRetiredAsync(adapter, CancellationToken.None);
        }

        return uses;
    }

    /// <summary>Which load of the adapter a request holds (0 for none, or one loaded at start).</summary>
    private long LoadIdOf(string? loraName) => _loras.Find(loraName)?.LoadId ?? 0;

    /// <summary>Loads on every joined worker at once; all or none keep it.</summary>
    private async Task<LoraAdapterInfo> LoadOnEveryWorkerAsync(string name, string path, CancellationToken cancellationToken)
    {
        var workers = _executors.ToArray();
        if (workers.Length == 0)
        {
            throw new EngineUnavailableException($"No worker serves, so the lora adapter '{name}' cannot be loaded; retry once one has joined.");
        }

        var loads = workers.Select(w => LoadOnWorkerAsync(w.Key, w.Value.Executor, name, path, cancellationToken)).ToArray();
        try
        {
            await Task.WhenAll(loads);
            var first = loads[0].Result;
            for (var i = 1; i < loads.Length; i++)
            {
                RequireSameRank(first, loads[i].Result, workers[i].Key);
            }

            if (Options.MaxLoraRank is { } maxRank && first.Rank > maxRank)
            {
                throw new GenerationValidationException("lora_path", string.Create(CultureInfo.InvariantCulture,
                    $"The lora adapter '{name}' has rank {first.Rank}, more than the max LoRA rank {maxRank} (--max-lora-rank)."));
            }

            return new LoraAdapterInfo(name, path, first.Rank);
        }
        catch
        {
            await DropFromWorkersAsync(name, [.. workers.Where((_, i) => loads[i].IsCompletedSuccessfully).Select(w => w.Value.Executor)]);
            throw;
        }
    }

    /// <summary>The worker's failure, its message led by the worker's id (the type kept: it says how the caller answers).</summary>
    private static async Task<LoraAdapterInfo> LoadOnWorkerAsync(
        string workerId, IStepExecutor executor, string name, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await executor.LoadLoraAdapterAsync(name, path, cancellationToken);
        }
        catch (FileNotFoundException ex)
        {
            throw new FileNotFoundException($"{workerId}: {ex.Message}", ex);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{workerId}: {ex.Message}", ex);
        }
        catch (ExecutorFaultException ex)
        {
            throw new ExecutorFaultException($"{workerId} did not load the lora adapter: {ex.Message}", ex);
        }
    }

    /// <summary>Workers reading different files under one path would serve different adapters under one name.</summary>
    private static void RequireSameRank(LoraAdapterInfo expected, LoraAdapterInfo loaded, string workerId)
    {
        if (loaded.Rank != expected.Rank)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{workerId} read rank {loaded.Rank} for the lora adapter '{expected.Name}' from {expected.Path}, where rank {expected.Rank} was read before; every worker must see the same adapter there."));
        }
    }

    /// <summary>The registry's call when a retired adapter's last request ends: dropped off the caller's path.</summary>
    private void DropRetiredInBackground(ServedLoraAdapter adapter) =>
        _ = Task.Run(() => DropRetiredAsync(adapter, CancellationToken.None));

    /// <summary>
    /// Has the workers drop a retired adapter, then frees its name. Its last request has ended for its caller, but the
    /// loop may not have seen the abort yet, and could still start it on a worker: so first wait until the loop's view
    /// no longer lists the adapter.
    /// </summary>
    private async Task DropRetiredAsync(ServedLoraAdapter adapter, CancellationToken cancellationToken)
    {
        try
        {
            await WaitUntilLoopReleasesAsync(adapter.Name, cancellationToken);
            await _fleetChanges.WaitAsync(cancellationToken);
            try
            {
                await DropFromWorkersAsync(adapter.Name, [.. _executors.Values.Select(w => w.Executor)]);
                _loras.Remove(adapter);
            }
            finally
            {
                _fleetChanges.Release();
            }

            LogLoraAdapterUnloaded(_logger, adapter.Name);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogLoraAdapterDropFailed(_logger, ex, adapter.Name);
        }
    }

    private async Task WaitUntilLoopReleasesAsync(string name, CancellationToken cancellationToken)
    {
        var before = Snapshot;
        var since = _time.GetTimestamp();
        while (Volatile.Read(ref _disposed) == 0)
        {
            var now = Snapshot;
            var listed = now.RunningLoraAdapters.Contains(name) || now.WaitingLoraAdapters.Contains(name);
            var fresh = !ReferenceEquals(now, before) || _time.GetElapsedTime(since) > TimeSpan.FromMilliseconds(200);
            if (!listed && fresh)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), _time, cancellationToken);
        }
    }

    /// <summary>Best effort: a worker that does not answer is on its way out, and one that comes back unloads nothing
    /// it keeps (no request names the adapter, and a load under its name replaces it).</summary>
    private async Task DropFromWorkersAsync(string name, IReadOnlyList<IStepExecutor> executors)
    {
        await Task.WhenAll(executors.Select(async executor =>
        {
            try
            {
                await executor.UnloadLoraAdapterAsync(name, CancellationToken.None);
            }
            catch (Exception ex)
            {
                LogLoraAdapterWorkerDropFailed(_logger, name, ex.Message);
            }
        }));
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Loaded LoRA adapter {LoraName} from {LoraPath} (rank {Rank}) on {NumWorkers} worker(s)")]
    private static partial void LogLoraAdapterLoaded(ILogger logger, string loraName, string loraPath, int rank, int numWorkers);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "Unloading LoRA adapter {LoraName}: refused to new requests; {NumRequests} admitted request(s) still use it")]
    private static partial void LogLoraAdapterUnloading(ILogger logger, string loraName, int numRequests);

    [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "Unloaded LoRA adapter {LoraName} from the workers")]
    private static partial void LogLoraAdapterUnloaded(ILogger logger, string loraName);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "A worker did not drop LoRA adapter {LoraName}: {Reason}")]
    private static partial void LogLoraAdapterWorkerDropFailed(ILogger logger, string loraName, string reason);

    [LoggerMessage(EventId = 44, Level = LogLevel.Error, Message = "Dropping LoRA adapter {LoraName} from the workers failed")]
    private static partial void LogLoraAdapterDropFailed(ILogger logger, Exception exception, string loraName);
}
