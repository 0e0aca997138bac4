using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;

namespace Scheduler.Core.Lora;

/// <summary>
/// The LoRA adapters the engine serves and which requests hold them: those loaded at start, which stay, and those
/// loaded at run time, which an unload retires: from then on no request may name it, and once the last request that
/// holds it ends, <paramref name="retired"/> is called (outside the lock) so the workers drop it.
/// </summary>
/// <param name="retired">Called once per retired adapter, when its last lease is released; not called when
/// <see cref="Retire"/> finds it unused (its caller drops it).</param>
internal sealed class LoraAdapterRegistry(IEnumerable<LoraAdapterInfo> startAdapters, Action<ServedLoraAdapter> retired)
{
    private readonly Lock _gate = new();

    /// <summary>Those loaded at start, then run-time loads in load order.</summary>
    private readonly List<ServedLoraAdapter> _adapters = [.. startAdapters.Select(info => new ServedLoraAdapter(info, 0))];

    /// <summary>Names of loads under way: taken, but not yet served.</summary>
    private readonly HashSet<string> _loading = new(StringComparer.Ordinal);
    private long _lastLoadId;

    /// <summary>What requests may name, as <see cref="Retire"/> left it: start adapters, then run-time loads.</summary>
    public IReadOnlyList<LoraAdapterInfo> Served
    {
        get
        {
            lock (_gate)
            {
                return [.. _adapters.Where(a => !a.Retiring).Select(a => a.Info)];
            }
        }
    }

    /// <summary>Run-time loads a worker that joins must load too: served ones and retiring ones (a request that still
    /// holds one may move to the new worker).</summary>
    public IReadOnlyList<ServedLoraAdapter> LoadedAtRunTime
    {
        get
        {
            lock (_gate)
            {
                return [.. _adapters.Where(a => !a.LoadedAtStart)];
            }
        }
    }

    /// <summary>Holds the adapter a request names for as long as the request runs; null for the base model.</summary>
    /// <exception cref="GenerationValidationException">No served adapter has that name (field lora_name).</exception>
    public LoraAdapterLease? Acquire(string? name)
    {
        if (name is null)
        {
            return null;
        }

        lock (_gate)
        {
            var adapter = _adapters.Find(a => a.Name == name && !a.Retiring);
            if (adapter is not null)
            {
                adapter.Uses++;
                return new LoraAdapterLease(this, adapter);
            }

            var served = _adapters.Where(a => !a.Retiring).Select(a => a.Name).ToList();
            throw new GenerationValidationException("lora_name", served.Count == 0
                ? $"lora_name \"{name}\" is not a LoRA adapter of this model, which serves none."
                : $"lora_name \"{name}\" is not a LoRA adapter of this model; it serves {string.Join(", ", served)}.");
        }
    }

    /// <summary>The adapter a request holds (served or retiring: one of a name at a time); null for none.</summary>
    public ServedLoraAdapter? Find(string? name)
    {
        if (name is null)
        {
            return null;
        }

        lock (_gate)
        {
            return _adapters.Find(a => a.Name == name);
        }
    }

    internal void Release(ServedLoraAdapter adapter)
    {
        bool lastOfRetired;
        lock (_gate)
        {
            adapter.Uses--;
            lastOfRetired = adapter.Retiring && adapter.Uses == 0;
        }

        if (lastOfRetired)
        {
            retired(adapter);
        }
    }

    /// <summary>Takes <paramref name="name"/> for a load; end it with <see cref="CompleteLoad"/> or <see cref="CancelLoad"/>.</summary>
    /// <exception cref="LoraAdapterConflictException">The name is the served model's, or an adapter's (loaded, being
    /// loaded, or being unloaded).</exception>
    public void Reserve(string name, string servedModelName)
    {
        lock (_gate)
        {
            if (name == servedModelName)
            {
                throw new LoraAdapterConflictException($"The lora adapter '{name}' cannot be loaded under the served model's name.");
            }

            var existing = _adapters.Find(a => a.Name == name);
            if (existing is { Retiring: true })
            {
                throw new LoraAdapterConflictException(
                    $"The lora adapter '{name}' is being unloaded: {existing.Uses} admitted request(s) still use it; load it again once they end.");
            }

            if (existing is not null || !_loading.Add(name))
            {
                throw new LoraAdapterConflictException($"The lora adapter '{name}' has already been loaded.");
            }
        }
    }

    /// <summary>Serves a reserved name: requests may name it from now on.</summary>
    public ServedLoraAdapter CompleteLoad(LoraAdapterInfo info)
    {
        lock (_gate)
        {
            _loading.Remove(info.Name);
            var adapter = new ServedLoraAdapter(info, ++_lastLoadId);
            _adapters.Add(adapter);
            return adapter;
        }
    }

    public void CancelLoad(string name)
    {
        lock (_gate)
        {
            _loading.Remove(name);
        }
    }

    /// <summary>Stops serving a run-time adapter: requests that name it are refused from now on.</summary>
    /// <returns>The adapter, and how many admitted requests still hold it; at 0 the caller has the workers drop it now.</returns>
    /// <exception cref="LoraAdapterNotFoundException">No served adapter has that name.</exception>
    /// <exception cref="InvalidOperationException">It was loaded at start.</exception>
    public (ServedLoraAdapter Adapter, int Uses) Retire(string name)
    {
        lock (_gate)
        {
            var adapter = _adapters.Find(a => a.Name == name && !a.Retiring) ?? throw new LoraAdapterNotFoundException(name);
            if (adapter.LoadedAtStart)
            {
                throw new InvalidOperationException(
                    $"The lora adapter '{name}' was loaded at start (the workers' --lora-modules) and is served until they stop.");
            }

            adapter.Retiring = true;
            return (adapter, adapter.Uses);
        }
    }

    /// <summary>Forgets a retired adapter once the workers dropped it; its name is free again.</summary>
    public void Remove(ServedLoraAdapter adapter)
    {
        lock (_gate)
        {
            _adapters.Remove(adapter);
        }
    }
}
