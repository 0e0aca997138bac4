namespace Worker.Runtime.Ops;

/// <summary>
/// BF16 matmul for three or more tokens (batched decode, prefill) over row-major weights (the AVX-512 path): the
/// activations in pair order once per matmul, then register tiles straight over the BF16 rows, no widened fp32 panel
/// (<see cref="Bf16PairTilesAvx512"/>: 4 rows x 4 tokens). Threads take guided chunks of 4-row bands
/// (<see cref="GuidedRowChunks"/>: long contiguous runs first, small ones last); a chunk is walked once per block of
/// tokens (<see cref="PairTokenBlockBytes"/>) in groups of 16 rows (28 KiB of weights at k = 896, which stay in L1/L2
/// while every token tile of the block passes over them), and every tile of a
/// group prefetches its share of the group two ahead (a contiguous span: a group's rows are), spread over its steps:
/// four rows read side by side defeat the hardware prefetcher, and without prefetching the LM head (272 MiB, read
/// from memory) ran at about three quarters of the rate. Against the first token tile prefetching the whole group
/// (its four row tiles four rows each), the 0.5B decode step of 16 sequences took 3.9-4.1% less time, a 128-token
/// prefill 1.1% less (BF16, Zen 5, two threads, the two alternated step by step in one process).
/// </summary>
public sealed unsafe partial class CpuMatMulKernel
{
    /// <summary>Rows of a group: every token tile passes over them before the next group starts.</summary>
    private const int PairGroupRows = 16;

    /// <summary>How many groups ahead a group's tiles prefetch.</summary>
    private const int PairPrefetchGroups = 2;

    private readonly GuidedRowChunks _pairChunks = new();
    private bool _pairTiles;

    private void Bf16Pairs(float* x, int tokens, WeightMatrix weight, float* y)
    {
        int bands = (weight.Rows + Bf16PairTilesAvx512.Rows - 1) / Bf16PairTilesAvx512.Rows;
        _pairTiles = true;
        try
        {
            RunOverPairOrder(x, tokens, weight, y, _pairChunks.Plan(bands, _pool.WorkerCount, PairGroupRows / Bf16PairTilesAvx512.Rows));
        }
        finally
        {
            _pairTiles = false;
        }
    }

    /// <summary>
    /// Activation bytes of a token block: half the L2 of a Zen 4 or 5 core. A chunk's groups are walked once per block,
    /// so a long prompt's activations stay near the core while the weights pass, instead of streaming every token's from
    /// L3 or memory for each group of 16 rows (2048 tokens of the 4864-wide down projection are 40 MB of fp32). Matmuls
    /// of the 0.5B shapes, one block against blocks of this size (at least 64 tokens), alternated call by call (Zen 5,
    /// two threads, medians of 9): 2048 tokens down [896, 4864] 77.8 against 105.9 ms, gate/up [9728, 896] 106.1
    /// against 115.3; 512 tokens gate/up 26.8 against 32.6, down the same. `bench-model --batch 1 --decode-tokens 1`,
    /// builds alternated, two runs each: a 2000-token prompt 287-299 against 267-273 tok/s, 4000 tokens 257-264 against
    /// 190-202; the same results bit for bit.
    /// </summary>
    private const int PairTokenBlockBytes = 512 << 10;

    /// <summary>
    /// The fewest tokens of a block: every block reads the chunk's weights again. With 64, a 128-token prefill's down
    /// projection (26 tokens would fit the bytes at k = 4864) ran in two blocks and measured 3% slower; at 2048 tokens
    /// blocks of 104 measured as blocks of 64.
    /// </summary>
    private const int MinPairTokenBlock = 128;

    private void ExecuteBf16Pairs(WeightMatrix w, int chunkIndex)
    {
        const int R = Bf16PairTilesAvx512.Rows;
        const int TileTokens = Bf16PairTilesAvx512.Tokens;
        int first = _pairChunks.Start(chunkIndex) * R;
        int last = Math.Min(_pairChunks.End(chunkIndex) * R, w.Rows);
        int block = Math.Max(MinPairTokenBlock, PairTokenBlockBytes / (w.Cols * sizeof(float)) / TileTokens * TileTokens);
        for (int t0 = 0; t0 < _tokens; t0 += block)
        {
            PairBlock(w, first, last, t0, Math.Min(t0 + block, _tokens), again: t0 + block < _tokens);
        }
    }

    /// <summary>
    /// Tokens [t0, t1) over rows [first, last), group by group, every token tile over a group before the next group;
    /// when another block follows, the last groups prefetch the first ones again for it.
    /// </summary>
    private void PairBlock(WeightMatrix w, int first, int last, int t0, int t1, bool again)
    {
        const int R = Bf16PairTilesAvx512.Rows;
        const int RowTiles = PairGroupRows / R;
        const int TileTokens = Bf16PairTilesAvx512.Tokens;
        int n = w.Rows;
        int k = w.Cols;
        int tokenTiles = (t1 - t0 + TileTokens - 1) / TileTokens;
        int tilesPerGroup = tokenTiles * RowTiles;
        for (int group = first; group < last; group += PairGroupRows)
        {
            // The group PairPrefetchGroups ahead, its rows one contiguous span, shared out among this group's tiles.
            int ahead = group + PairPrefetchGroups * PairGroupRows;
            if (again && ahead >= last)
            {
                ahead = first + (ahead - last);
            }

            ahead = Math.Min(ahead, n);
            long aheadLines = (long)(Math.Min(ahead + PairGroupRows, n) - ahead) * k * sizeof(ushort) / CacheLine.Bytes;
            int linesPerTile = (int)((aheadLines + tilesPerGroup - 1) / tilesPerGroup);
            byte* aheadStart = (byte*)(w.Bf16 + (long)ahead * k);
            int groupEnd = Math.Min(group + PairGroupRows, last);
            for (int t = t0, tile = 0; t < t1; t += TileTokens)
            {
                for (int row = group; row < groupEnd; row += R, tile++)
                {
                    long firstLine = Math.Min((long)tile * linesPerTile, aheadLines);
                    int lines = (int)Math.Min(linesPerTile, aheadLines - firstLine);
                    ushort* prefetch = (ushort*)(aheadStart + firstLine * CacheLine.Bytes);
                    ushort* wr = w.Bf16 + (long)row * k;
                    int rows = Math.Min(R, groupEnd - row);
                    int tokens = Math.Min(TileTokens, t1 - t);
                    PairTile(wr, k, rows, tokens, _xp + (long)t * k, _y + (long)t * n + row, n, prefetch, lines);
                }
            }
        }
    }

    /// <summary>One tile of rows x tokens (each 1..4), through the instantiation compiled for that shape.</summary>
    private static void PairTile(ushort* w, int k, int rows, int tokens, float* xp, float* y, int n, ushort* prefetch, int prefetchLines)
    {
        switch (rows)
        {
            case 4:
                PairTile<TileCount4>(w, k, tokens, xp, y, n, prefetch, prefetchLines);
                break;
            case 3:
                PairTile<TileCount3>(w, k, tokens, xp, y, n, prefetch, prefetchLines);
                break;
            case 2:
                PairTile<TileCount2>(w, k, tokens, xp, y, n, prefetch, prefetchLines);
                break;
            default:
                PairTile<TileCount1>(w, k, tokens, xp, y, n, prefetch, prefetchLines);
                break;
        }
    }

    private static void PairTile<TRows>(ushort* w, int k, int tokens, float* xp, float* y, int n, ushort* prefetch, int prefetchLines)
        where TRows : struct, ITileCount
    {
        switch (tokens)
        {
            case 4:
                Bf16PairTilesAvx512.Tile<TRows, TileCount4>(w, k, xp, y, n, prefetch, prefetchLines);
                break;
            case 3:
                Bf16PairTilesAvx512.Tile<TRows, TileCount3>(w, k, xp, y, n, prefetch, prefetchLines);
                break;
            case 2:
                Bf16PairTilesAvx512.Tile<TRows, TileCount2>(w, k, xp, y, n, prefetch, prefetchLines);
                break;
            default:
                Bf16PairTilesAvx512.Tile<TRows, TileCount1>(w, k, xp, y, n, prefetch, prefetchLines);
                break;
        }
    }
}
