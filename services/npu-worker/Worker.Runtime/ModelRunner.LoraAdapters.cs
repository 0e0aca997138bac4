using System.Diagnostics;
using Inference.Abstractions.Execution;
using Microsoft.Extensions.Logging;
using Worker.Runtime.Lora;
using Worker.Runtime.Models;

namespace Worker.Runtime;

/// <summary>
/// LoRA adapters: read at start (<see cref="ModelRunnerOptions.LoraModules"/>), and loaded, replaced or unloaded while
/// the runner serves (vLLM's /v1/load_lora_adapter and /v1/unload_lora_adapter). Both read, name and log an adapter
/// the same way; they differ in what a bad adapter means: a start that fails, or a call that is refused.
/// </summary>
public sealed partial class ModelRunner
{
    // Swapped whole, never changed in place (see LoraAdapterSet): a step reads it once, so a step never sees half a
    // load. The lock orders the swaps of concurrent loads and unloads; readers take no lock.
    private volatile LoraAdapterSet _loraAdapters;
    private readonly Lock _loraPublish = new();

    /// <summary>Reads each adapter against the loaded model's dims, logging it; a bad adapter fails the load, naming it.</summary>
    private static List<LoraAdapter> LoadLoraAdapters(ICausalLmConfig config, IReadOnlyList<LoraModule> modules, string servedName, ILogger logger)
    {
        var adapters = new List<LoraAdapter>();
        foreach (var module in modules)
        {
            RequireAdapterName(module.Name, servedName);
            long started = Stopwatch.GetTimestamp();
            LoraAdapter adapter;
            try
            {
                adapter = config.LoadLoraAdapter(module.Name, module.Path);
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or IOException)
            {
                throw new InvalidDataException(CannotLoad(module.Name, module.Path, e), e);
            }

            adapters.Add(adapter);
            LogLoraLoaded(logger, adapter, started);
        }

        return adapters;
    }

    /// <summary>
    /// Reads the adapter on the thread pool, off the step path (converting every tensor to fp32 takes a while), so steps
    /// keep running meanwhile; then publishes it: the first step that starts afterwards may name it.
    /// </summary>
    /// <exception cref="ArgumentException">The name or the path is empty, the name is the served model's, or the folder is no
    /// adapter for this model (a config field or a tensor does not fit; the message names it).</exception>
    /// <exception cref="FileNotFoundException">No such folder, or no adapter_config.json or adapter_model.safetensors in it.</exception>
    /// <exception cref="InvalidOperationException">The name is an adapter's loaded at start.</exception>
    public async Task<LoraAdapterInfo> LoadLoraAdapterAsync(string name, string path, CancellationToken cancellationToken)
    {
        RequireAdapterName(name, Info.ModelName);
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException($"LoRA adapter '{name}' needs a path: the folder of its adapter_config.json.", nameof(path));
        }

        // Adapters loaded at start never change, so this holds at publish too; refused before any file is read.
        _loraAdapters.RequireNotStartAdapter(name);
        long started = Stopwatch.GetTimestamp();
        LoraAdapter adapter;
        try
        {
            adapter = await Task.Run(() => _config.LoadLoraAdapter(name, path), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException(CannotLoad(name, path, e), (e as FileNotFoundException)?.FileName ?? path, e);
        }
        catch (InvalidDataException e)
        {
            throw new ArgumentException(CannotLoad(name, path, e), e);
        }

        // A caller that gave up (deadline, disconnect) must not find the adapter loaded after all.
        cancellationToken.ThrowIfCancellationRequested();
        LoraAdapter? replaced;
        lock (_loraPublish)
        {
            _loraAdapters.TryGet(name, out replaced);
            _loraAdapters = _loraAdapters.With(adapter);
        }

        LogLoraLoaded(_logger, adapter, started);
        if (replaced is not null)
        {
            LogLoraReplaced(_logger, name, replaced.Path);
        }

        return adapter.Info;
    }

    /// <summary>Removes the name from the next step on; requests already running hold the adapter itself and keep it.</summary>
    /// <returns>False when no adapter of that name was loaded at run time (nothing changed).</returns>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    /// <exception cref="InvalidOperationException">The name is an adapter's loaded at start.</exception>
    public Task<bool> UnloadLoraAdapterAsync(string name, CancellationToken cancellationToken)
    {
        RequireAdapterName(name, servedName: null);
        LoraAdapter? removed;
        lock (_loraPublish)
        {
            var current = _loraAdapters;
            current.RequireNotStartAdapter(name);
            if (!current.TryGet(name, out removed))
            {
                return Task.FromResult(false);
            }

            _loraAdapters = current.Without(name);
        }

        LogLoraUnloaded(_logger, name, removed.Path);
        return Task.FromResult(true);
    }

    /// <exception cref="ArgumentException">The name is empty, or is the served model's (requests could not tell them apart).</exception>
    private static void RequireAdapterName(string name, string? servedName)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A LoRA adapter needs a name: requests name the adapter by it.", nameof(name));
        }

        if (name == servedName)
        {
            throw new ArgumentException($"LoRA adapter name '{name}' is the served model name; an adapter needs a name of its own.");
        }
    }

    private static string CannotLoad(string name, string path, Exception e) => $"LoRA adapter '{name}' ({path}) cannot be loaded: {e.Message}";

    private static void LogLoraLoaded(ILogger logger, LoraAdapter adapter, long started) =>
        LogLoraLoaded(logger, adapter.Name, adapter.Path, adapter.Rank, adapter.Config.Scale, adapter.Config.TargetModules.Text,
            string.Join(", ", adapter.Targets.Select(t => t.ModuleName())), Stopwatch.GetElapsedTime(started).TotalMilliseconds);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "Loaded LoRA adapter {LoraName} from {LoraPath}: rank {Rank}, scale {Scale}, target_modules {TargetModules}; deltas on {Modules}; {ElapsedMs:F0} ms")]
    private static partial void LogLoraLoaded(ILogger logger, string loraName, string loraPath, int rank, float scale, string targetModules, string modules, double elapsedMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "LoRA adapter {LoraName} replaced the one loaded from {PreviousPath}; requests already running keep the previous weights")]
    private static partial void LogLoraReplaced(ILogger logger, string loraName, string previousPath);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "Unloaded LoRA adapter {LoraName} ({LoraPath}); requests already running keep its weights until they end")]
    private static partial void LogLoraUnloaded(ILogger logger, string loraName, string loraPath);
}
