using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Worker.Runtime.Sampling;

/// <summary>
/// The k best sampling candidates of a weight row (<see cref="CandidateOrder"/>: weight descending, then id ascending),
/// found in one vectorized pass instead of a key per token and a selection over all of them: a max-heap holds the k
/// best keys so far, and a lane is looked at only when its weight beats the worst of them (ids rise along the row, so
/// a tie never does). Over a 152K vocabulary with k = 20 the heap takes a few hundred candidates; the pass costs about
/// what reading the row does.
/// </summary>
internal sealed class TopCandidates
{
    /// <summary>The most candidates one selection keeps; larger k are sorted whole (<see cref="TokenSampler"/>).</summary>
    public const int MaxCount = 4096;

    private readonly ulong[] _heap = new ulong[MaxCount];

    /// <summary>The best min(k, positive weights) candidates as keys, sorted ascending (best first). k &lt;= <see cref="MaxCount"/>.</summary>
    public Span<ulong> Select(ReadOnlySpan<float> weights, int k)
    {
        int count = 0;
        float threshold = 0; // a candidate must weigh more: positive until the heap is full, then the worst kept
        ref float start = ref MemoryMarshal.GetReference(weights);
        int i = 0;
        for (; i + Vector256<float>.Count <= weights.Length; i += Vector256<float>.Count)
        {
            uint above = Vector256.GreaterThan(Vector256.LoadUnsafe(ref start, (nuint)i), Vector256.Create(threshold)).ExtractMostSignificantBits();
            while (above != 0)
            {
                int id = i + BitOperations.TrailingZeroCount(above);
                above &= above - 1;
                if (weights[id] > threshold)
                {
                    threshold = Offer(weights[id], id, k, ref count);
                }
            }
        }

        for (; i < weights.Length; i++)
        {
            if (weights[i] > threshold)
            {
                threshold = Offer(weights[i], i, k, ref count);
            }
        }

        var best = _heap.AsSpan(0, count);
        best.Sort();
        return best;
    }

    /// <summary>Takes a candidate that beats the threshold; returns the new threshold.</summary>
    private float Offer(float weight, int id, int k, ref int count)
    {
        ulong key = CandidateOrder.Key(weight, id);
        if (count < k)
        {
            int child = count++;
            while (child > 0)
            {
                int parent = (child - 1) / 2;
                if (_heap[parent] >= key)
                {
                    break;
                }

                _heap[child] = _heap[parent];
                child = parent;
            }

            _heap[child] = key;
            return count == k ? CandidateOrder.Weight(_heap[0]) : 0;
        }

        // Replaces the worst kept (the largest key, at the root) and sifts the new key down.
        int at = 0;
        while (true)
        {
            int left = 2 * at + 1;
            if (left >= count)
            {
                break;
            }

            int larger = left + 1 < count && _heap[left + 1] > _heap[left] ? left + 1 : left;
            if (_heap[larger] <= key)
            {
                break;
            }

            _heap[at] = _heap[larger];
            at = larger;
        }

        _heap[at] = key;
        return CandidateOrder.Weight(_heap[0]);
    }
}
