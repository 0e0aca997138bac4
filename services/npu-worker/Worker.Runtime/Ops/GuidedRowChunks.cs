namespace Worker.Runtime.Ops;

/// <summary>
/// Splits a matrix's rows into chunks that shrink as the work runs out (guided scheduling): each chunk takes
/// 1 / (granularity x workers) of the rows still unassigned, at least <c>minRows</c>. The first chunks are long
/// contiguous runs (a memory-bound matvec streams each at full speed and the hardware prefetcher is not restarted
/// every few kilobytes); the last ones are small, so the threads finish together even when one of them was slowed
/// down (a thread descheduled inside a first chunk holds the others up by at most what is left of it).
/// The boundaries are reused across calls (no allocation once warm).
/// </summary>
internal sealed class GuidedRowChunks
{
    /// <summary>
    /// Granularity of the one- and two-token decode matvecs (BF16 and Q8_0): half the rows first, with two workers,
    /// then a quarter, and so on. Each chunk's rows are streams of their own (four per chunk for one token) whose
    /// ends waste what the prefetchers fetched past them, so fewer, longer chunks move more of the bandwidth into
    /// the kernel. The 0.5B decode step's matmuls, alternated step by step with 4 in one process (Zen 5, two threads,
    /// 400 steps): a median 9% less time in 2 of 2 runs for BF16 (AVX-512 path), 10% in 1 of 1 on the AVX2 path,
    /// 12% in 2 of 2 for Q8_0; 2 was halfway, and an even split (one chunk per worker) no faster than 1.
    /// </summary>
    public const int DecodeGranularity = 1;

    private int[] _starts = new int[64];

    /// <summary>Chunks of the last <see cref="Plan"/>.</summary>
    public int Count { get; private set; }

    /// <summary>First row of chunk <paramref name="chunk"/>.</summary>
    public int Start(int chunk) => _starts[chunk];

    /// <summary>One past the last row of chunk <paramref name="chunk"/>.</summary>
    public int End(int chunk) => _starts[chunk + 1];

    /// <summary>
    /// Plans chunks over rows [0, rows); returns their count. Granularity 4 (an eighth of the rows first, with two
    /// workers) balances compute-bound tiles; decode, bound by memory, takes 1 (see <see cref="DecodeGranularity"/>).
    /// </summary>
    public int Plan(int rows, int workers, int minRows, int granularity = 4)
    {
        Count = 0;
        int start = 0;
        while (start < rows)
        {
            int remaining = rows - start;
            int size = Math.Max(minRows, remaining / (granularity * workers));
            if (Count + 2 > _starts.Length)
            {
                Array.Resize(ref _starts, _starts.Length * 2);
            }

            _starts[Count++] = start;
            start += Math.Min(size, remaining);
        }

        _starts[Count] = rows;
        return Count;
    }
}
