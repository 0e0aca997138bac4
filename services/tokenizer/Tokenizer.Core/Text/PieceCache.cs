using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Tokenizer.Core.Text;

/// <summary>
/// Pre-token → ids, for the short pieces that make up most text (" the", "\n", " =") so each is merged once.
/// Bounded: when it holds <c>capacity</c> entries it starts over, which keeps what is frequent now and
/// costs nothing per lookup (no recency bookkeeping). Lookups take a span, so a hit allocates nothing.
/// Thread-safe: reads are lock-free.
/// </summary>
internal sealed class PieceCache
{
    /// <summary>Longer pieces are rarely repeated (a run of CJK letters is one piece) and are not cached.</summary>
    public const int MaxPieceLength = 24;

    private readonly ConcurrentDictionary<string, int[]> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly int _capacity;
    private int _added;

    /// <param name="capacity">Most entries held; 0 disables the cache.</param>
    public PieceCache(int capacity)
    {
        _capacity = capacity;
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public bool IsEnabled => _capacity > 0;

    public bool TryGet(ReadOnlySpan<char> piece, [MaybeNullWhen(false)] out int[] ids) => _bySpan.TryGetValue(piece, out ids);

    public void Add(ReadOnlySpan<char> piece, int[] ids)
    {
        if (Interlocked.Increment(ref _added) > _capacity)
        {
            // Two threads may both start over; that only costs a few extra misses.
            _entries.Clear();
            Interlocked.Exchange(ref _added, 1);
        }
        _bySpan.TryAdd(piece, ids);
    }
}
