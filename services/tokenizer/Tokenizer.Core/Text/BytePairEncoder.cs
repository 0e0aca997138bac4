using System.Buffers;
using System.Text;

namespace Tokenizer.Core.Text;

/// <summary>
/// Byte-level BPE of one pre-token, as Hugging Face's <c>Word::merge_all</c>: start from one symbol per UTF-8
/// byte and repeatedly apply the adjacent merge of lowest rank, the leftmost one on a tie, until none applies.
/// Short pieces (nearly all) keep the pair ranks in an array and scan it for the minimum; long ones use
/// Hugging Face's heap over a linked list, so a megabyte-long run of letters stays O(n log n).
/// </summary>
internal sealed class BytePairEncoder
{
    /// <summary>Above this many bytes a piece is merged with the heap; the array scan is O(n²).</summary>
    internal const int DefaultScanLimit = 128;

    private readonly MergeTable _merges;
    private readonly int[] _byteIds;
    private readonly int _scanLimit;

    /// <param name="byteIds">The vocabulary id of each of the 256 single-byte tokens.</param>
    public BytePairEncoder(MergeTable merges, int[] byteIds, int scanLimit = DefaultScanLimit)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(byteIds.Length, 256);
        _merges = merges;
        _byteIds = byteIds;
        _scanLimit = scanLimit;
    }

    /// <summary>Encodes <paramref name="piece"/> (one pre-token, well-formed UTF-16) and appends its ids.</summary>
    public void Encode(ReadOnlySpan<char> piece, List<int> ids)
    {
        int maxBytes = Encoding.UTF8.GetMaxByteCount(piece.Length);
        int[]? rented = null;
        Span<int> symbols = maxBytes <= 256 ? stackalloc int[256] : (rented = ArrayPool<int>.Shared.Rent(maxBytes));
        try
        {
            int count = ToByteSymbols(piece, symbols);
            if (count > _scanLimit)
            {
                MergeWithHeap(symbols[..count], ids);
            }
            else
            {
                count = MergeByScan(symbols[..count]);
                for (int i = 0; i < count; i++)
                {
                    ids.Add(symbols[i]);
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<int>.Shared.Return(rented);
            }
        }
    }

    /// <summary>UTF-8 bytes of the piece, each as its single-byte token id. Returns the count.</summary>
    private int ToByteSymbols(ReadOnlySpan<char> piece, Span<int> symbols)
    {
        int ascii = 0;
        while (ascii < piece.Length && piece[ascii] < 0x80)
        {
            symbols[ascii] = _byteIds[piece[ascii]];
            ascii++;
        }
        if (ascii == piece.Length)
        {
            return ascii;
        }
        int maxBytes = Encoding.UTF8.GetMaxByteCount(piece.Length - ascii);
        byte[]? rented = null;
        Span<byte> bytes = maxBytes <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        int count = Encoding.UTF8.GetBytes(piece[ascii..], bytes);
        for (int i = 0; i < count; i++)
        {
            symbols[ascii + i] = _byteIds[bytes[i]];
        }
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        return ascii + count;
    }

    /// <summary>Merges in place; returns the number of symbols left.</summary>
    private int MergeByScan(Span<int> symbols)
    {
        int count = symbols.Length;
        if (count < 2)
        {
            return count;
        }
        // ranks[i] is the rank of merging symbols[i] and symbols[i + 1].
        Span<int> ranks = stackalloc int[count - 1];
        for (int i = 0; i < count - 1; i++)
        {
            ranks[i] = _merges.RankOf(symbols[i], symbols[i + 1]);
        }
        while (count > 1)
        {
            int best = 0;
            int bestRank = ranks[0];
            for (int i = 1; i < count - 1; i++)
            {
                if (ranks[i] < bestRank)
                {
                    bestRank = ranks[i];
                    best = i;
                }
            }
            if (bestRank == MergeTable.NoMerge)
            {
                break;
            }
            symbols[best] = _merges.MergedId(bestRank);
            symbols[(best + 2)..count].CopyTo(symbols[(best + 1)..]);
            if (best + 2 < count)
            {
                ranks[(best + 2)..(count - 1)].CopyTo(ranks[(best + 1)..]);
            }
            count--;
            if (best > 0)
            {
                ranks[best - 1] = _merges.RankOf(symbols[best - 1], symbols[best]);
            }
            if (best < count - 1)
            {
                ranks[best] = _merges.RankOf(symbols[best], symbols[best + 1]);
            }
        }
        return count;
    }

    /// <summary>Hugging Face's algorithm: a min-heap of (rank, position) over a doubly linked list of symbols;
    /// entries made stale by earlier merges are skipped when popped.</summary>
    private void MergeWithHeap(Span<int> symbols, List<int> ids)
    {
        int count = symbols.Length;
        int[] next = ArrayPool<int>.Shared.Rent(count);
        int[] previous = ArrayPool<int>.Shared.Rent(count);
        bool[] removed = ArrayPool<bool>.Shared.Rent(count);
        try
        {
            var queue = new PriorityQueue<int, long>(count);
            for (int i = 0; i < count; i++)
            {
                next[i] = i + 1;
                previous[i] = i - 1;
                removed[i] = false;
                if (i + 1 < count)
                {
                    Enqueue(queue, i, _merges.RankOf(symbols[i], symbols[i + 1]));
                }
            }
            while (queue.TryDequeue(out int position, out long priority))
            {
                int rank = (int)(priority >> 32);
                int right = next[position];
                if (removed[position] || right >= count || _merges.RankOf(symbols[position], symbols[right]) != rank)
                {
                    continue;
                }
                symbols[position] = _merges.MergedId(rank);
                removed[right] = true;
                next[position] = next[right];
                if (next[right] < count)
                {
                    previous[next[right]] = position;
                }
                if (previous[position] >= 0)
                {
                    int left = previous[position];
                    Enqueue(queue, left, _merges.RankOf(symbols[left], symbols[position]));
                }
                if (next[position] < count)
                {
                    Enqueue(queue, position, _merges.RankOf(symbols[position], symbols[next[position]]));
                }
            }
            for (int i = 0; i < count; i = next[i])
            {
                ids.Add(symbols[i]);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(next);
            ArrayPool<int>.Shared.Return(previous);
            ArrayPool<bool>.Shared.Return(removed);
        }
    }

    private static void Enqueue(PriorityQueue<int, long> queue, int position, int rank)
    {
        if (rank != MergeTable.NoMerge)
        {
            queue.Enqueue(position, ((long)rank << 32) | (uint)position);
        }
    }
}
