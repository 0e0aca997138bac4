using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// The Q8_0 matmul for half a group of lanes of tokens or more (prefill, batched decode): the tokens quantized into
/// vector lanes (<see cref="Q8TokenLanes"/>, one group per chunk so no two threads write one cache line), then threads
/// take guided chunks of rows (<see cref="GuidedRowChunks"/>: long contiguous runs first) and walk each in bands sized
/// for L2, which every token group passes over one lane tile of rows at a time, its results written token by token
/// through <see cref="LaneTileStore"/>, while the first pass's tiles prefetch the next band of the chunk into L2, each
/// tile the same rows of the next band, spread over its blocks: loading a band from memory otherwise stalls the core,
/// which with 16 tokens (one group) cost about a quarter of the time. Spread over the tile rather than all at its start,
/// the 16-sequence Q8_0 decode step of the 0.5B sizes took 7.8-10% less time in its matmuls on the AVX-512 path and
/// 5.7% on the AVX2 path, a 128-token prefill 2.1% less (Zen 5, two threads, alternated step by step in one process). A last group with fewer tokens than lanes computes its empty lanes too (zeros) and stores only the real ones.
/// - AVX-512 (<see cref="Q8LaneTilesAvx512"/>): a band is widened to int16 once (<see cref="Q8WideBand"/>), one tile
///   when there is a single token group (<see cref="_bandRows"/>).
/// - AVX2 (<see cref="Q8ByteLaneTilesAvx2"/>): the tiles read the int8 rows in place, two token groups per pass. Against
///   the int16 lane tiles (4 rows x 8 tokens, one broadcast per madd), alternated step by step in one process on the
///   Zen 5 running AVX2 code without AVX-VNNI: a 128-token Q8_0 prefill of the 0.5B sizes 17% less time, the 8- and
///   16-sequence decode steps 13.5% and 19% less. In two steps: the int16 tiles taking two groups per pass, sharing
///   each broadcast, took 10.8% off the prefill and 10.3% off the 16-sequence step; reading the int8 rows in place
///   (sign, maddubs and madd per four quants, no widened band) a further 7.3% and 7.9-9.7%.
/// </summary>
internal sealed unsafe partial class Q8MatMul
{
    private readonly Q8TokenLanes _lanes = new();

    /// <summary>
    /// Rows widened per band on the AVX-512 path: with several token groups as many as fit in half of L2
    /// (<see cref="WeightBandBytes"/>), each group passing over the band in turn; with one group, which passes over a
    /// band once, one tile, so its int16 rows go from the widening to the tile in L1 rather than through L2. The
    /// 16-sequence Q8_0 decode step of the 0.5B sizes (one group), the two alternated step by step in one process
    /// (Zen 5, two threads, 120 steps, two runs): 12% less time (gate/up 17%, LM head 19%; the 4864-wide down
    /// projection, whose one-tile band is 78 KB, unchanged).
    /// </summary>
    private int _bandRows;
    private readonly GuidedRowChunks _laneChunks = new();
    private readonly Q8WideBand[] _bands = Enumerable.Range(0, pool.WorkerCount).Select(_ => new Q8WideBand()).ToArray();

    /// <summary>Tokens of a lane group on this path.</summary>
    private int Lanes => isa == CpuIsa.Avx512 ? Q8LaneTilesAvx512.Lanes : Q8ByteLaneTilesAvx2.Lanes;

    /// <summary>
    /// Eight tokens on both paths: half a group on AVX-512, where the lane tiles beat row-major tiles even with the
    /// group's other lanes empty (single-threaded on Zen 4, [4864, 896] at 8-14 tokens, 60-95 GFLOP/s against 37-55;
    /// the 0.5B Q8_0 decode step of 8 sequences 71-80 ms against 93-99 on the decode path, 12 sequences 80-83 against
    /// 140); a whole group on AVX2, where below it the decode path, which reads each weight once for every token, wins
    /// (measured as AVX2 on a Zen 4, alternated twice: 4 sequences 52-56 ms against 72-83, 6 sequences 55-77 against 77-80).
    /// </summary>
    private int MinTokensForLanes => isa == CpuIsa.Avx512 ? Lanes / 2 : Lanes;

    private int TileRows => isa == CpuIsa.Avx512 ? Q8LaneTilesAvx512.Rows : Q8ByteLaneTilesAvx2.Rows;

    private void LaneMatMul(float* x, int tokens, WeightMatrix weight, float* y)
    {
        int kp = weight.Q8RowLength;
        int tileRows = TileRows;
        _lanes.Prepare(tokens, weight.Cols, Lanes, quads: isa != CpuIsa.Avx512);
        _x = x;
        _y = y;
        _tokens = tokens;
        _rowsPerChunk = Math.Clamp(WeightBandBytes / (sizeof(short) * kp) / tileRows * tileRows, tileRows, MaxRowsPerChunk);
        _bandRows = _lanes.Groups == 1 ? tileRows : _rowsPerChunk;
        int tiles = (weight.Rows + tileRows - 1) / tileRows;
        _weight = weight;
        try
        {
            _phase = Phase.QuantizeLanes;
            pool.Run(this, _lanes.Groups);
            _phase = Phase.LaneTiles;
            pool.Run(this, _laneChunks.Plan(tiles, pool.WorkerCount, _rowsPerChunk / tileRows));
        }
        finally
        {
            _weight = null;
        }
    }

    private void ExecuteLaneTiles(WeightMatrix w, int chunkIndex, int workerIndex)
    {
        if (isa == CpuIsa.Avx512)
        {
            WideLaneBands(w, chunkIndex, _bands[workerIndex]);
        }
        else
        {
            ByteLaneBands(w, chunkIndex, _bands[workerIndex]);
        }
    }

    /// <summary>The chunk's rows in bands widened to int16, every token group over each (<see cref="Q8LaneTilesAvx512"/>).</summary>
    private void WideLaneBands(WeightMatrix w, int chunkIndex, Q8WideBand band)
    {
        const int R = Q8LaneTilesAvx512.Rows;
        const int L = Q8LaneTilesAvx512.Lanes;
        int n = w.Rows;
        int blocks = w.Q8RowLength / Q8Block.Size;
        var result = stackalloc float[R * L];
        int end = Math.Min(_laneChunks.End(chunkIndex) * R, n);
        for (int first = _laneChunks.Start(chunkIndex) * R; first < end; first += _bandRows)
        {
            int rows = Math.Min(_bandRows, end - first);
            int nextRows = Math.Min(_bandRows, end - first - rows);
            band.Load(w, first, rows);
            for (int g = 0; g < _lanes.Groups; g++)
            {
                for (int r = 0; r < rows; r += R)
                {
                    int lines = PrefetchAhead(w, g, first + rows, r, nextRows, R, out byte* ahead);
                    Q8LaneTilesAvx512.Tile(band.TileQuants(r), band.TileScales(r), blocks, _lanes.Pairs(g), _lanes.Scales(g), result, ahead, lines);
                    StoreTile(result, L, R, g, first, r, rows, n);
                }
            }
        }
    }

    /// <summary>
    /// The chunk's rows in L2-sized bands on <see cref="Q8ByteLaneTilesAvx2"/>: per band only the block scales are
    /// converted; the tiles read the int8 rows in place, two token groups per pass. A last tile of fewer than 4 rows
    /// reads a zero-padded copy (a whole tile would read past the matrix).
    /// </summary>
    private void ByteLaneBands(WeightMatrix w, int chunkIndex, Q8WideBand band)
    {
        const int R = Q8ByteLaneTilesAvx2.Rows;
        const int L = Q8ByteLaneTilesAvx2.Lanes;
        int n = w.Rows;
        int kp = w.Q8RowLength;
        int blocks = kp / Q8Block.Size;
        var result = stackalloc float[2 * R * L];
        int end = Math.Min(_laneChunks.End(chunkIndex) * R, n);
        for (int first = _laneChunks.Start(chunkIndex) * R; first < end; first += _rowsPerChunk)
        {
            int rows = Math.Min(_rowsPerChunk, end - first);
            int nextRows = Math.Min(_rowsPerChunk, end - first - rows);
            band.LoadScales(w, first, rows, R);
            for (int g = 0; g < _lanes.Groups; g += 2)
            {
                bool two = g + 1 < _lanes.Groups;
                for (int r = 0; r < rows; r += R)
                {
                    int lines = PrefetchAhead(w, g, first + rows, r, nextRows, R, out byte* ahead);
                    int tileRows = Math.Min(R, rows - r);
                    sbyte* quants = tileRows == R ? w.Q8Row(first + r) : band.PaddedRows(w, first + r, tileRows, R);
                    long stride = tileRows == R ? w.Q8RowStride : kp;
                    float* scales = band.Scales + r * band.ScaleStride;
                    if (two)
                    {
                        Q8ByteLaneTilesAvx2.Tile<TileCount2>(quants, stride, scales, band.ScaleStride, blocks, _lanes.Quads(g), _lanes.Scales(g),
                            _lanes.Quads(g + 1), _lanes.Scales(g + 1), result, result + R * L, ahead, lines);
                        StoreTile(result, L, R, g, first, r, rows, n);
                        StoreTile(result + R * L, L, R, g + 1, first, r, rows, n);
                    }
                    else
                    {
                        Q8ByteLaneTilesAvx2.Tile<TileCount1>(quants, stride, scales, band.ScaleStride, blocks, _lanes.Quads(g), _lanes.Scales(g),
                            null, null, result, null, ahead, lines);
                        StoreTile(result, L, R, g, first, r, rows, n);
                    }
                }
            }
        }
    }

    /// <summary>
    /// In the first pass over a band (group 0), its tile at row r prefetches the same rows of the next band: returns the
    /// cache lines of their quants (with their scales where rows hold them), from start on, for the tile to prefetch while
    /// it runs; scales held apart are prefetched here at once.
    /// </summary>
    private static int PrefetchAhead(WeightMatrix w, int group, int nextBand, int r, int nextRows, int tileRows, out byte* start)
    {
        start = null;
        if (group != 0 || r >= nextRows)
        {
            return 0;
        }

        int row = nextBand + r;
        int count = Math.Min(tileRows, nextRows - r);
        if (w.Q8ScalesInRows)
        {
            // Each row's scales sit just before its quants: the rows are one range.
            start = (byte*)w.Q8RowScales(row);
            return (int)(((long)count * w.Q8RowStride + CacheLine.Bytes - 1) / CacheLine.Bytes);
        }

        Prefetch1((byte*)w.Q8RowScales(row), (long)count * (w.Q8RowLength / Q8Block.Size) * sizeof(ushort));
        start = (byte*)w.Q8Row(row);
        return (int)(((long)count * w.Q8RowStride + CacheLine.Bytes - 1) / CacheLine.Bytes);
    }

    /// <summary>One tile's results (tileRows rows x lanes tokens, rows [r, r + tileRows) of the band at first, token group g) into y, token by token.</summary>
    private void StoreTile(float* result, int lanes, int tileRows, int g, int first, int r, int rows, int n)
    {
        int tokens = Math.Min(lanes, _tokens - g * lanes);
        float* y = _y + (long)g * lanes * n + first;
        int stored = Math.Min(tileRows, rows - r);
        if (stored == 8)
        {
            LaneTileStore.Rows8(result, lanes, tokens, y + r, n);
        }
        else if (stored == 4)
        {
            LaneTileStore.Rows4(result, lanes, tokens, y + r, n);
        }
        else
        {
            // The matrix's last rows, fewer than a tile: a whole-tile store would run into the next token's row.
            for (int i = 0; i < stored; i++)
            {
                for (int l = 0; l < tokens; l++)
                {
                    y[(long)l * n + r + i] = result[i * lanes + l];
                }
            }
        }
    }

    private static void Prefetch1(byte* start, long bytes)
    {
        for (long i = 0; i < bytes; i += CacheLine.Bytes)
        {
            Sse.Prefetch1(start + i);
        }
    }
}
