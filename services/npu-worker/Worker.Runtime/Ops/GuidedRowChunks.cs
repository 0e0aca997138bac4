namespace Worker.Runtime.Ops;

/// <summary>
/// Splits a matrix's rows into chunks that shrink as the work runs out (guided scheduling): each chunk takes
/// 1 / (4 x workers) of the rows still unassigned, at least <c>minRows</c>. The first chunks are long contiguous runs (a memory-bound matvec streams each at full speed and
/// the hardware prefetcher is not restarted every few kilobytes); the last ones are small, so the threads finish
/// together even when one of them was slowed down (a thread descheduled inside a first chunk of a quarter of the
/// matrix would hold the others up; an eighth, with two threads, bounds that). The boundaries are reused across calls (no allocation once warm).
/// </summary>
internal sealed class GuidedRowChunks
{
    private int[] _starts = new int[64];

    /// <summary>Chunks of the last <see cref="Plan"/>.</summary>
    public int Count { get; private set; }

    /// <summary>First row of chunk <paramref name="chunk"/>.</summary>
    public int Start(int chunk) => _starts[chunk];

    /// <summary>One past the last row of chunk <paramref name="chunk"/>.</summary>
    public int End(int chunk) => _starts[chunk + 1];

    /// <summary>Plans chunks over rows [0, rows); returns their count.</summary>
    public int Plan(int rows, int workers, int minRows)
    {
        Count = 0;
        int start = 0;
        while (start < rows)
        {
            int remaining = rows - start;
            int size = Math.Max(minRows, remaining / (4 * workers));
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
