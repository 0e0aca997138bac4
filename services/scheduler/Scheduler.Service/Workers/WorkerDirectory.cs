using System.Collections.Concurrent;
using System.Globalization;

namespace Scheduler.Service.Workers;

/// <summary>Workers that registered or were configured, keyed by address so registration is idempotent.
/// Ready for one block pool per worker: today the engine serves from the first worker that answers.</summary>
public sealed class WorkerDirectory : IDisposable
{
    private readonly ConcurrentDictionary<string, RegisteredWorker> _byAddress = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _registerLock = new();
    private readonly SemaphoreSlim _changed = new(0);
    private int _nextId;

    public IReadOnlyCollection<RegisteredWorker> Workers => [.. _byAddress.Values.OrderBy(w => w.WorkerId, StringComparer.Ordinal)];

    public int NumHealthy => _byAddress.Values.Count(w => w.IsHealthy != false);

    /// <summary>Adds a worker, or returns the one already known at this address.</summary>
    public RegisteredWorker Register(Uri address, string device, int numBlocks)
    {
        var key = address.GetLeftPart(UriPartial.Authority) + address.AbsolutePath.TrimEnd('/');
        lock (_registerLock)
        {
            if (_byAddress.TryGetValue(key, out var known))
            {
                return known;
            }

            var worker = new RegisteredWorker($"worker-{_nextId++.ToString(CultureInfo.InvariantCulture)}", address, device, numBlocks);
            _byAddress[key] = worker;
            _changed.Release();
            return worker;
        }
    }

    /// <summary>Completes when a worker registers, or after <paramref name="timeout"/>.</summary>
    public Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _changed.WaitAsync(timeout, cancellationToken);

    public void Dispose()
    {
        foreach (var worker in _byAddress.Values)
        {
            worker.Dispose();
        }

        _changed.Dispose();
    }
}
