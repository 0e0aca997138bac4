using System.Collections.Concurrent;
using System.Globalization;

namespace Scheduler.Service.Workers;

/// <summary>Worker addresses that registered or were configured, keyed by address so registration is idempotent;
/// each address keeps its worker id across restarts of the worker behind it.</summary>
public sealed class WorkerDirectory : IDisposable
{
    private readonly ConcurrentDictionary<string, RegisteredWorker> _byAddress = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _registerLock = new();
    private readonly SemaphoreSlim _changed = new(0);
    private int _nextId;

    public IReadOnlyCollection<RegisteredWorker> Workers => [.. _byAddress.Values.OrderBy(w => w.WorkerId, StringComparer.Ordinal)];

    /// <summary>Adds a worker, or returns the one already known at this address (updated with what it announced).
    /// A new instance id at a known address wakes the watcher at once.</summary>
    public RegisteredWorker Register(Uri address, string device, int numBlocks, string? instanceId = null)
    {
        var key = address.GetLeftPart(UriPartial.Authority) + address.AbsolutePath.TrimEnd('/');
        lock (_registerLock)
        {
            if (_byAddress.TryGetValue(key, out var known))
            {
                if (!string.IsNullOrEmpty(instanceId) && instanceId != known.InstanceId)
                {
                    known.Device = device;
                    known.NumBlocks = numBlocks;
                    _changed.Release();
                }

                return known;
            }

            var worker = new RegisteredWorker($"worker-{_nextId++.ToString(CultureInfo.InvariantCulture)}", address, device, numBlocks);
            _byAddress[key] = worker;
            _changed.Release();
            return worker;
        }
    }

    /// <summary>Completes when a worker registers (or announces a new instance), or after <paramref name="timeout"/>.</summary>
    public async Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (await _changed.WaitAsync(timeout, cancellationToken))
        {
            // One check covers every change that came in meanwhile.
            while (_changed.CurrentCount > 0 && _changed.Wait(0))
            {
            }
        }
    }

    public void Dispose()
    {
        foreach (var worker in _byAddress.Values)
        {
            worker.Dispose();
        }

        _changed.Dispose();
    }
}
