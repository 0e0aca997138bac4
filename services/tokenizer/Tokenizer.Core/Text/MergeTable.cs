using System.Numerics;

namespace Tokenizer.Core.Text;

/// <summary>
/// BPE merge rules: (left id, right id) → rank, and rank → merged id. An open-addressing table with linear
/// probing over packed 64-bit keys: the encoder looks up every adjacent pair, and a
/// <see cref="Dictionary{TKey,TValue}"/> of <see cref="long"/> hashes a pair as left ^ right, which collides
/// for every (a, b) and (b, a). Read-only after construction, so safe to share between threads.
/// </summary>
internal sealed class MergeTable
{
    /// <summary>Rank of a pair that has no merge rule: compares above every real rank.</summary>
    public const int NoMerge = int.MaxValue;

    private const long EmptySlot = -1;

    private readonly long[] _keys;
    private readonly int[] _ranks;
    private readonly int[] _mergedIds;
    private readonly int _mask;
    private readonly int _shift;

    /// <param name="rules">(left, right, merged) ids, highest priority first; a repeated pair keeps its last
    /// rank, as Hugging Face's merge map (built by collecting into a hash map) does.</param>
    public MergeTable(IReadOnlyList<(int Left, int Right, int Merged)> rules)
    {
        int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, rules.Count * 2));
        _keys = new long[capacity];
        Array.Fill(_keys, EmptySlot);
        _ranks = new int[capacity];
        _mergedIds = new int[rules.Count];
        _mask = capacity - 1;
        _shift = 64 - BitOperations.Log2((uint)capacity);
        for (int rank = 0; rank < rules.Count; rank++)
        {
            (int left, int right, int merged) = rules[rank];
            _mergedIds[rank] = merged;
            long key = Pack(left, right);
            int slot = SlotOf(key);
            while (_keys[slot] != EmptySlot && _keys[slot] != key)
            {
                slot = (slot + 1) & _mask;
            }
            _keys[slot] = key;
            _ranks[slot] = rank;
        }
    }

    /// <summary>The rank of merging <paramref name="left"/> then <paramref name="right"/>, or <see cref="NoMerge"/>.</summary>
    public int RankOf(int left, int right)
    {
        long key = Pack(left, right);
        int slot = SlotOf(key);
        while (true)
        {
            long found = _keys[slot];
            if (found == key)
            {
                return _ranks[slot];
            }
            if (found == EmptySlot)
            {
                return NoMerge;
            }
            slot = (slot + 1) & _mask;
        }
    }

    public int MergedId(int rank) => _mergedIds[rank];

    private static long Pack(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Fibonacci hashing: the top bits of key × 2^64/φ spread neighbouring ids over the table.</summary>
    private int SlotOf(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> _shift);
}
