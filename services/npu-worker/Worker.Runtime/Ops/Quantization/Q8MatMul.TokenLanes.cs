using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// The Q8_0 matmul for half a group of lanes of tokens or more (prefill, batched decode): the tokens quantized into
/// vector lanes (<see cref="Q8TokenLanes"/>, one group per chunk so no two threads write one cache line), then threads
/// take guided chunks of rows (<see cref="GuidedRowChunks"/>: long contiguous runs first) and walk each in bands sized
/// for L2 (one tile when a single pass serves every token group: <see cref="_bandRows"/>): a band is widened to int16 once (<see cref="Q8WideBand"/>) and every token group passes over it, one lane
/// tile of rows at a time (<see cref="IQ8LaneTiles"/>; on the AVX2 path two groups per pass, sharing each broadcast,
/// which took 10.8% off a 128-token Q8_0 prefill of the 0.5B sizes and, with the one-tile bands for 16 tokens, 10.3%
/// off the 16-sequence decode step, each alternated step by step in one process on the Zen 5 running AVX2 code; its results written token by token through
/// <see cref="LaneTileStore"/>), while the first group's tiles prefetch the next band of the
/// chunk into L2: loading a band from memory otherwise stalls the core, which with 16 tokens (one group) cost about a
/// quarter of the time. A last group with fewer tokens than lanes computes its empty lanes too (zeros) and stores only
/// the real ones.
/// </summary>
internal sealed unsafe partial class Q8MatMul
{
    private readonly Q8TokenLanes _lanes = new();

    /// <summary>
    /// Rows widened per band: with several passes (token groups, or pairs of them on AVX2) as many as fit in half of L2
    /// (<see cref="WeightBandBytes"/>), each pass over the band in turn; with one pass, one tile, so its int16
    /// rows go from the widening to the tile in L1 rather than through L2. The 16-sequence Q8_0 decode step of the
    /// 0.5B sizes (one group on the AVX-512 path), the two alternated step by step in one process (Zen 5, two threads,
    /// 120 steps, two runs): 12% less time (gate/up 17%, LM head 19%; the 4864-wide down projection, whose one-tile
    /// band is 78 KB, unchanged); 8 sequences on the AVX2 path (one group of 8): 4.4-5.4% less. With two groups (16
    /// sequences on AVX2, before the two-group tiles) bands of one to four tiles measured 0-4.5% less; with the two
    /// groups in one pass, one-tile bands took the step 4.6% below L2-sized ones (alternated, same run as above).
    /// </summary>
    private int _bandRows;
    private readonly GuidedRowChunks _laneChunks = new();
    private readonly Q8WideBand[] _bands = Enumerable.Range(0, pool.WorkerCount).Select(_ => new Q8WideBand()).ToArray();

    /// <summary>Tokens of a lane group on this path.</summary>
    private int Lanes => isa == CpuIsa.Avx512 ? Q8LaneTilesAvx512.Lanes : Q8LaneTilesAvx2.Lanes;

    /// <summary>
    /// From half a group of tokens the lane tiles beat the row-major 4 x 2 tiles even with the group's other lanes
    /// empty: single-threaded on Zen 4, [4864, 896] at 8-14 tokens, 60-95 GFLOP/s against 37-55.
    /// </summary>
    private int MinTokensForLanes => Lanes / 2;

    /// <summary>Passes over a band: one per token group, or per two groups where the path's tile takes two at once.</summary>
    private int Passes => isa == CpuIsa.Avx512 ? _lanes.Groups : (_lanes.Groups + Q8LaneTilesAvx2.GroupsPerPass - 1) / Q8LaneTilesAvx2.GroupsPerPass;

    private int TileRows => isa == CpuIsa.Avx512 ? Q8LaneTilesAvx512.Rows : Q8LaneTilesAvx2.Rows;

    private void LaneMatMul(float* x, int tokens, WeightMatrix weight, float* y)
    {
        int kp = weight.Q8RowLength;
        int tileRows = TileRows;
        _lanes.Prepare(tokens, weight.Cols, Lanes);
        _x = x;
        _y = y;
        _tokens = tokens;
        _rowsPerChunk = Math.Clamp(WeightBandBytes / (sizeof(short) * kp) / tileRows * tileRows, tileRows, MaxRowsPerChunk);
        _bandRows = Passes == 1 ? tileRows : _rowsPerChunk;
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
            LaneBand<Q8LaneTilesAvx512>(w, chunkIndex, _bands[workerIndex]);
        }
        else
        {
            LaneBand<Q8LaneTilesAvx2>(w, chunkIndex, _bands[workerIndex]);
        }
    }

    private void LaneBand<TTiles>(WeightMatrix w, int chunkIndex, Q8WideBand band)
        where TTiles : struct, IQ8LaneTiles
    {
        int end = Math.Min(_laneChunks.End(chunkIndex) * TTiles.Rows, w.Rows);
        for (int first = _laneChunks.Start(chunkIndex) * TTiles.Rows; first < end; first += _bandRows)
        {
            int rows = Math.Min(_bandRows, end - first);
            band.Load<TTiles>(w, first, rows);
            LaneTiles<TTiles>(w, band, first, rows, Math.Min(_bandRows, end - first - rows));
        }
    }

    /// <summary>Every token group over the band (rows [first, first + rows)); the first group prefetches the next rows.</summary>
    private void LaneTiles<TTiles>(WeightMatrix w, Q8WideBand band, int first, int rows, int nextRows)
        where TTiles : struct, IQ8LaneTiles
    {
        int n = w.Rows;
        int kp = w.Q8RowLength;
        int lanes = TTiles.Lanes;
        int blocks = kp / Q8Block.Size;
        var result = stackalloc float[2 * TTiles.Rows * lanes];
        for (int g = 0; g < _lanes.Groups;)
        {
            bool two = TTiles.GroupsPerPass == 2 && g + 1 < _lanes.Groups;
            for (int r = 0; r < rows; r += TTiles.Rows)
            {
                if (g == 0 && r < nextRows)
                {
                    Prefetch(w, first + rows + r, Math.Min(TTiles.Rows, nextRows - r));
                }

                short* quants = band.Quants + (long)r * band.RowStride;
                float* scales = band.Scales + r * band.ScaleStride;
                if (two)
                {
                    TTiles.TileTwoGroups(quants, band.RowStride, scales, band.ScaleStride, blocks, _lanes.Pairs(g), _lanes.Scales(g),
                        _lanes.Pairs(g + 1), _lanes.Scales(g + 1), result, result + TTiles.Rows * lanes);
                    StoreTile<TTiles>(result, g, first, r, rows, n);
                    StoreTile<TTiles>(result + TTiles.Rows * lanes, g + 1, first, r, rows, n);
                }
                else
                {
                    TTiles.Tile(quants, band.RowStride, scales, band.ScaleStride, blocks, _lanes.Pairs(g), _lanes.Scales(g), result);
                    StoreTile<TTiles>(result, g, first, r, rows, n);
                }
            }

            g += two ? 2 : 1;
        }
    }

    /// <summary>One tile's results (rows [r, r + Rows) of the band at first, token group g) into y, token by token.</summary>
    private void StoreTile<TTiles>(float* result, int g, int first, int r, int rows, int n)
        where TTiles : struct, IQ8LaneTiles
    {
        int lanes = TTiles.Lanes;
        int tokens = Math.Min(lanes, _tokens - g * lanes);
        float* y = _y + (long)g * lanes * n + first;
        int tileRows = Math.Min(TTiles.Rows, rows - r);
        if (tileRows == 8)
        {
            LaneTileStore.Rows8(result, lanes, tokens, y + r, n);
        }
        else if (tileRows == 4)
        {
            LaneTileStore.Rows4(result, lanes, tokens, y + r, n);
        }
        else
        {
            // The matrix's last rows, fewer than a tile: a whole-tile store would run into the next token's row.
            for (int i = 0; i < tileRows; i++)
            {
                for (int l = 0; l < tokens; l++)
                {
                    y[(long)l * n + r + i] = result[i * lanes + l];
                }
            }
        }
    }

    /// <summary>Rows [row, row + count) of w's quants and scales into L2.</summary>
    private static void Prefetch(WeightMatrix w, int row, int count)
    {
        if (w.Q8ScalesInRows)
        {
            // Each row's scales sit just before its quants: the rows are one range.
            Prefetch1((byte*)w.Q8RowScales(row), (long)count * w.Q8RowStride);
            return;
        }

        Prefetch1((byte*)w.Q8Row(row), (long)count * w.Q8RowStride);
        Prefetch1((byte*)w.Q8RowScales(row), (long)count * (w.Q8RowLength / Q8Block.Size) * sizeof(ushort));
    }

    private static void Prefetch1(byte* start, long bytes)
    {
        for (long i = 0; i < bytes; i += 64)
        {
            Sse.Prefetch1(start + i);
        }
    }
}
