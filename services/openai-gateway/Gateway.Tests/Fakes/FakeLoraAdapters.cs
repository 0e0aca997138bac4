using System.Collections.Concurrent;
using Grpc.Core;
using Inference.Contracts.Common.V1;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Fakes;

/// <summary>
/// The scheduler's LoraAdapters service over the fake scheduler's adapter list (what GetModelInfo lists and requests may
/// name): a load adds to it, an unload removes from it. It refuses as the real one where the list decides (ALREADY_EXISTS
/// for a name taken, NOT_FOUND for an unload of no loaded adapter, FAILED_PRECONDITION for one loaded at start); tests
/// script the refusals that depend on the workers (<see cref="RefuseNextLoad"/>).
/// </summary>
public sealed class FakeLoraAdapters(FakeScheduler scheduler) : LoraAdapters.LoraAdaptersBase
{
    /// <summary>The rank every loaded adapter reports.</summary>
    public const int Rank = 8;

    private readonly Lock _gate = new();
    private readonly HashSet<string> _loadedAtRuntime = [];
    private Status? _nextLoadRefusal;

    /// <summary>Every load request, in arrival order.</summary>
    public ConcurrentQueue<LoadLoraAdapterRequest> Loads { get; } = new();

    /// <summary>Every unload request, in arrival order.</summary>
    public ConcurrentQueue<UnloadLoraAdapterRequest> Unloads { get; } = new();

    /// <summary>The next load is refused with <paramref name="status"/> (a worker's answer: bad folder, rank, none serving).</summary>
    public void RefuseNextLoad(Status status)
    {
        lock (_gate)
        {
            _nextLoadRefusal = status;
        }
    }

    public override Task<LoadLoraAdapterResponse> LoadLoraAdapter(LoadLoraAdapterRequest request, ServerCallContext context)
    {
        Loads.Enqueue(request);
        lock (_gate)
        {
            if (_nextLoadRefusal is { } refusal)
            {
                _nextLoadRefusal = null;
                throw new RpcException(refusal);
            }
        }

        return Task.FromResult(new LoadLoraAdapterResponse { Adapter = Add(request.LoraName, request.LoraPath) });
    }

    public override Task<UnloadLoraAdapterResponse> UnloadLoraAdapter(UnloadLoraAdapterRequest request, ServerCallContext context)
    {
        Unloads.Enqueue(request);
        lock (_gate)
        {
            if (scheduler.LoraAdapters.All(adapter => adapter.Name != request.LoraName))
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"The lora adapter '{request.LoraName}' cannot be found."));
            }

            if (!_loadedAtRuntime.Contains(request.LoraName))
            {
                throw new RpcException(new Status(
                    StatusCode.FailedPrecondition, $"The lora adapter '{request.LoraName}' was loaded at start and stays."));
            }

            Remove(request.LoraName);
            return Task.FromResult(new UnloadLoraAdapterResponse { NumRequestsUsing = 0 });
        }
    }

    /// <summary>Loads an adapter as a load through any gateway does (tests call it for "another gateway loaded it").</summary>
    public LoraAdapter Add(string name, string path)
    {
        lock (_gate)
        {
            if (name == FakeScheduler.ModelName || scheduler.LoraAdapters.Any(adapter => adapter.Name == name))
            {
                throw new RpcException(new Status(StatusCode.AlreadyExists, $"The lora adapter '{name}' has already been loaded."));
            }

            var adapter = new LoraAdapter { Name = name, Path = path, Rank = Rank };
            scheduler.LoraAdapters = [.. scheduler.LoraAdapters, adapter];
            _loadedAtRuntime.Add(name);
            return adapter;
        }
    }

    /// <summary>Unloads an adapter as an unload through any gateway does (tests call it for "another gateway unloaded it").</summary>
    public void Remove(string name)
    {
        lock (_gate)
        {
            scheduler.LoraAdapters = [.. scheduler.LoraAdapters.Where(adapter => adapter.Name != name)];
            _loadedAtRuntime.Remove(name);
        }
    }
}
