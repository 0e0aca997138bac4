namespace Worker.Runtime.Ops;

/// <summary>
/// Splits a matrix's rows into chunks that shrink as the work runs out (guided scheduling): each chunk takes
/// 1 / (granularity x workers) of the rows still unassigned, at least <c>minRows</c>. The first chunks are long
/// contiguous runs (a memory-bound matvec streams each at full speed and the hardware prefetcher is not restarted
/// every few kilobytes); the last ones are small, so the threads finish together even when one of them was slowed
/// down (a thread descheduled inside a first chunk holds the others up by at most what is left of it). Decode
/// matvecs start with one even chunk per worker instead (<see cref="PlanDecode"/>), or one sized by the worker's pace
/// (<see cref="PlanPacedDecode"/>).
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
    /// BF16, where the long matrices lost their balance. The Q8_0 kernels, which a core running slower than the
    /// other for a while holds up by more than a 32nd, size the even chunks by each thread's pace instead
    /// (<see cref="PlanPacedDecode"/>).
    /// </summary>
    public const int DecodeTailShare = 32;

    /// <summary>
    /// How far one paced run moves a worker's pace towards what it measured: a quarter. On the 2-vCPU Zen 5 the slower
    /// core stayed slower for seconds; a tenth and a half measured the same (the 0.5B Q8_0 decode step, session 41).
    /// </summary>
    private const double PaceStep = 0.25;

    /// <summary>The least pace a worker keeps, as a fraction of an equal share.</summary>
    private const double MinPaceShare = 0.3;

    private int[] _starts = new int[64];
    private double[] _pace = [];
    private long[] _evenTicks = [];
    private int[] _evenTaken = [];
    private int _evenCount;

    /// <summary>Chunks of the last <see cref="Plan"/>, <see cref="PlanDecode"/> or <see cref="PlanPacedDecode"/>.</summary>
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
    public int PlanDecode(int rows, int workers, int minRows, int tailShare = DecodeTailShare) =>
        ChunksThenTail(rows, workers, minRows, tailShare, paced: false);

    /// <summary>
    /// As <see cref="PlanDecode"/>, but the even chunks sized by each worker's pace, its recent share of the threads'
    /// combined speed (<see cref="UpdatePace"/>), instead of equally: chunk w is sized for worker w and goes to it
    /// (<see cref="Assign"/>). A thread running behind the others for a while then gets fewer rows instead of holding up
    /// every matvec, so the guided tail, whose short chunks stream slower, can stay small.
    /// </summary>
    public int PlanPacedDecode(int rows, int workers, int minRows, int tailShare)
    {
        if (_pace.Length != workers)
        {
            _pace = [.. Enumerable.Repeat(1.0 / workers, workers)];
            _evenTicks = new long[workers];
            _evenTaken = new int[workers];
        }

        int count = ChunksThenTail(rows, workers, minRows, tailShare, paced: true);
        Array.Clear(_evenTaken);
        Array.Clear(_evenTicks);
        return count;
    }

    /// <summary>
    /// The chunk of the last <see cref="PlanPacedDecode"/> that worker <paramref name="workerIndex"/> runs when the pool
    /// hands it chunk number <paramref name="chunkIndex"/>. The pool numbers chunks in the order workers arrive, so an
    /// even chunk is mapped to the one sized for this worker, or to another still free when that one went already (a
    /// worker that arrived late, or had no even chunk). Called concurrently by the workers.
    /// </summary>
    public int Assign(int chunkIndex, int workerIndex)
    {
        if (chunkIndex >= _evenCount)
        {
            return chunkIndex;
        }

        if (workerIndex < _evenCount && Interlocked.Exchange(ref _evenTaken[workerIndex], 1) == 0)
        {
            return workerIndex;
        }

        // As many even chunks are handed out as there are, so one is still free here.
        for (int chunk = 0; ; chunk++)
        {
            if (Interlocked.Exchange(ref _evenTaken[chunk], 1) == 0)
            {
                return chunk;
            }
        }
    }

    /// <summary>Records that worker <paramref name="workerIndex"/> ran <paramref name="chunk"/> (from <see cref="Assign"/>) in <paramref name="elapsedTicks"/>.</summary>
    public void Ran(int chunk, int workerIndex, long elapsedTicks)
    {
        if (chunk == workerIndex && chunk < _evenCount)
        {
            _evenTicks[workerIndex] = Math.Max(1, elapsedTicks);
        }
    }

    /// <summary>
    /// After a paced run, once the pool has returned: when every worker ran its own even chunk, each one's pace moves
    /// <see cref="PaceStep"/> of the way to its share of the workers' summed rows per tick in this run (at least
    /// <see cref="MinPaceShare"/> of an equal share, so a few stalled chunks cannot starve a worker of rows). The
    /// paces stay shares: they sum to 1.
    /// </summary>
    public void UpdatePace()
    {
        int workers = _pace.Length;
        if (_evenCount != workers)
        {
            return;
        }

        double total = 0;
        for (int w = 0; w < workers; w++)
        {
            if (_evenTicks[w] == 0)
            {
                return;
            }

            total += EvenRate(w);
        }

        // Shares below the floor are raised to it, and what that adds is taken from the others in proportion to how far
        // above the floor they are, so the shares still sum to 1 and none ends below the floor.
        double floor = MinPaceShare / workers;
        Span<double> shares = stackalloc double[workers];
        double raised = 0, above = 0;
        for (int w = 0; w < workers; w++)
        {
            shares[w] = EvenRate(w) / total;
            if (shares[w] < floor)
            {
                raised += floor - shares[w];
                shares[w] = floor;
            }
            else
            {
                above += shares[w] - floor;
            }
        }

        for (int w = 0; w < workers; w++)
        {
            if (raised > 0 && shares[w] > floor)
            {
                shares[w] = floor + (shares[w] - floor) * (1 - raised / above);
            }

            _pace[w] += PaceStep * (shares[w] - _pace[w]);
        }
    }

    /// <summary>Worker w's share of the even rows in the next paced plan (equal shares until measured).</summary>
    public double Pace(int worker) => _pace[worker];

    private double EvenRate(int worker) => (double)(End(worker) - Start(worker)) / _evenTicks[worker];

    /// <summary>One chunk per worker over all but 1 / tailShare of the rows, equal or by pace, at least minRows each, then guided chunks of granularity 1.</summary>
    private int ChunksThenTail(int rows, int workers, int minRows, int tailShare, bool paced)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tailShare, 2);
        Count = 0;
        int start = 0;
        int even = rows - rows / tailShare;
        for (int worker = 0; worker < workers && start < rows; worker++)
        {
            Append(start);
            int size = paced ? (int)Math.Round(even * _pace[worker]) : even / workers;
            start += Math.Min(Math.Max(minRows, size), rows - start);
        }

        _evenCount = Count;
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
