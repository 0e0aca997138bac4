namespace Worker.Runtime.Ops;

/// <summary>
/// Splits a matrix's rows into chunks that shrink as the work runs out (guided scheduling): each chunk takes
/// 1 / (granularity x workers) of the rows still unassigned, at least <c>minRows</c>. The first chunks are long
/// contiguous runs (a memory-bound matvec streams each at full speed and the hardware prefetcher is not restarted
/// every few kilobytes); the last ones are small, so the threads finish together even when one of them was slowed
/// down (a thread descheduled inside a first chunk holds the others up by at most what is left of it). Decode
/// matvecs start with one even chunk per worker instead (<see cref="PlanDecode"/>).
/// The boundaries are reused across calls (no allocation once warm).
/// </summary>
internal sealed class GuidedRowChunks
{
    /// <summary>
    /// The one- and two-token BF16 decode matvecs split all but this share of the rows (1/32) evenly, one chunk per
    /// worker, and the rest in guided chunks that halve what is left. Each chunk's rows are streams of their own (four
    /// per chunk for one token), and a stream runs slower while it starts, so the fewer and longer the streams, the more
    /// of the bandwidth reaches the kernel; the small tail chunks still let the threads finish together when one of
    /// them started late or was slowed down. The 0.5B decode step, variants alternated step by step in one process
    /// (Zen 5, two threads, 900-1200 steps, two runs each): against guided chunks over all rows (half of them first),
    /// Q8_0 took 1.4-1.5% less time (qkv and o 6-8%), BF16 1.3-1.8% on the AVX-512 path, and on the AVX2 path Q8_0
    /// 1.3-2.3%, BF16 1.7-1.9% (700 steps); one even chunk per worker took 1.6-1.8% less for Q8_0 but 0.6-1.5% more for
    /// BF16, where the long matrices lost their balance. The Q8_0 kernels take a larger tail
    /// (<see cref="Quantization.Q8MatMul"/>): a core that runs slower than the other for a while holds up every matvec
    /// by more than a 32nd.
    /// </summary>
    public const int DecodeTailShare = 32;

    private int[] _starts = new int[64];

    /// <summary>Chunks of the last <see cref="Plan"/> or <see cref="PlanDecode"/>.</summary>
    public int Count { get; private set; }

    /// <summary>First row of chunk <paramref name="chunk"/>.</summary>
    public int Start(int chunk) => _starts[chunk];

    /// <summary>One past the last row of chunk <paramref name="chunk"/>.</summary>
    public int End(int chunk) => _starts[chunk + 1];

    /// <summary>
    /// Plans chunks over rows [0, rows); returns their count. Each chunk takes 1 / (granularity x workers) of the rows
    /// still unassigned, at least minRows: granularity 4 (an eighth of the rows first, with two workers) balances
    /// compute-bound tiles.
    /// </summary>
    public int Plan(int rows, int workers, int minRows, int granularity = 4)
    {
        Count = 0;
        return Guided(0, rows, workers, minRows, granularity);
    }

    /// <summary>
    /// Plans the decode matvec's chunks over rows [0, rows): one equal chunk per worker, at least minRows each, over all
    /// but 1 / tailShare of the rows (<see cref="DecodeTailShare"/>), then guided chunks of granularity 1 over that
    /// tail. Returns their count.
    /// </summary>
    public int PlanDecode(int rows, int workers, int minRows, int tailShare = DecodeTailShare)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tailShare, 2);
        Count = 0;
        int start = 0;
        int each = Math.Max(minRows, (rows - rows / tailShare) / workers);
        for (int worker = 0; worker < workers && start < rows; worker++)
        {
            Append(start);
            start += Math.Min(each, rows - start);
        }

        return Guided(start, rows, workers, minRows, 1);
    }

    private int Guided(int start, int rows, int workers, int minRows, int granularity)
    {
        while (start < rows)
        {
            int remaining = rows - start;
            Append(start);
            start += Math.Min(Math.Max(minRows, remaining / (granularity * workers)), remaining);
        }

        _starts[Count] = rows;
        return Count;
    }

    private void Append(int start)
    {
        if (Count + 2 > _starts.Length)
        {
            Array.Resize(ref _starts, _starts.Length * 2);
        }

        _starts[Count++] = start;
    }
}
