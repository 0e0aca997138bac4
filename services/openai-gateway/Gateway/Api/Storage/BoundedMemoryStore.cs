using System.Diagnostics.Metrics;
using Gateway.Observability;

namespace Gateway.Api.Storage;

/// <summary>
/// Entries kept in the gateway's memory by id, within a count and a character budget: when either is exceeded the
/// entry first in line is forgotten (the oldest added, or with <c>forgetLeastRecentlyUsed</c> the least recently used),
/// never the one just added or used. One lock guards every entry, so a mutable entry is read and changed only inside
/// <see cref="Use"/>. One gateway's memory: replicas behind a load balancer do not share it.
/// </summary>
/// <param name="maxEntries">Most entries kept.</param>
/// <param name="maxChars">Most characters kept, as <paramref name="sizeOf"/> counts them (one entry bigger than this
/// stays alone until the next one comes).</param>
/// <param name="sizeOf">An entry's characters; counted again after every <see cref="Use"/>.</param>
/// <param name="forgetLeastRecentlyUsed">Using an entry puts it last in line; otherwise entries leave in the order they came.</param>
public sealed class BoundedMemoryStore<TEntry>(int maxEntries, long maxChars, Func<TEntry, long> sizeOf, bool forgetLeastRecentlyUsed)
    where TEntry : class
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Slot>> _byId = [];
    private readonly LinkedList<Slot> _firstToForget = new();
    private long _chars;

    public int MaxEntries => maxEntries;

    public long MaxChars => maxChars;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byId.Count;
            }
        }
    }

    public long Chars
    {
        get
        {
            lock (_lock)
            {
                return _chars;
            }
        }
    }

    /// <summary>Publishes the store's occupancy as gauges <c>{name}</c> and <c>{name}_chars</c> (what an operator watches to
    /// see it fill up and forget).</summary>
    /// <param name="what">What is kept and for what, for the gauges' descriptions.</param>
    public void PublishOccupancy(IMeterFactory meterFactory, string name, string unit, string what)
    {
        var meter = meterFactory.Create(GatewayMetrics.MeterName);
        meter.CreateObservableGauge(name, () => Count, unit, $"{what} (at most {maxEntries}).");
        meter.CreateObservableGauge($"{name}_chars", () => Chars, "{char}", $"Characters of JSON they take (at most {maxChars}).");
    }

    /// <summary>Keeps <paramref name="entry"/> under <paramref name="id"/> (replacing any), then forgets what no longer fits.</summary>
    public void Add(string id, TEntry entry)
    {
        lock (_lock)
        {
            RemoveLocked(id);
            var slot = new Slot(id, entry, sizeOf(entry));
            _byId[id] = _firstToForget.AddLast(slot);
            _chars += slot.Size;
            ForgetLocked();
        }
    }

    /// <summary>The entry, or null for an unknown id (for immutable entries; a mutable one is read through <see cref="Use"/>).</summary>
    public TEntry? Find(string id)
    {
        lock (_lock)
        {
            return LocateLocked(id)?.Entry;
        }
    }

    /// <summary>
    /// Runs <paramref name="use"/> on the entry under the store's lock (it may read or change it), then counts its size
    /// again and forgets what no longer fits. False, with nothing run, for an unknown id.
    /// </summary>
    public bool Use<TResult>(string id, Func<TEntry, TResult> use, out TResult result)
    {
        lock (_lock)
        {
            if (LocateLocked(id) is not { } slot)
            {
                result = default!;
                return false;
            }

            result = use(slot.Entry);
            _chars -= slot.Size;
            slot.Size = sizeOf(slot.Entry);
            _chars += slot.Size;
            ForgetLocked();
            return true;
        }
    }

    public bool Remove(string id)
    {
        lock (_lock)
        {
            return RemoveLocked(id);
        }
    }

    private Slot? LocateLocked(string id)
    {
        if (!_byId.TryGetValue(id, out var node))
        {
            return null;
        }

        if (forgetLeastRecentlyUsed)
        {
            _firstToForget.Remove(node);
            _firstToForget.AddLast(node);
        }

        return node.Value;
    }

    /// <summary>Forgets entries first in line until the rest fit; the last in line (just added or used) always stays.</summary>
    private void ForgetLocked()
    {
        while (_firstToForget.Count > 1 && (_firstToForget.Count > maxEntries || _chars > maxChars))
        {
            RemoveLocked(_firstToForget.First!.Value.Id);
        }
    }

    private bool RemoveLocked(string id)
    {
        if (!_byId.Remove(id, out var node))
        {
            return false;
        }

        _firstToForget.Remove(node);
        _chars -= node.Value.Size;
        return true;
    }

    private sealed class Slot(string id, TEntry entry, long size)
    {
        public string Id => id;

        public TEntry Entry => entry;

        public long Size { get; set; } = size;
    }
}
