namespace Worker.Runtime.Ops;

/// <summary>
/// BF16 matmul for three or more tokens (batched decode, prefill): the activations in pair order once per matmul, then
/// register tiles straight over the BF16 rows, no widened fp32 panel (<see cref="Bf16PairTilesAvx512"/>: 4 rows x 4
/// tokens; <see cref="Bf16PairTilesAvx2"/>: 4 rows x 2 tokens). Threads take guided chunks of 4-row bands
/// (<see cref="GuidedRowChunks"/>: long contiguous runs first, small ones last); a chunk is walked in groups of 16 rows
/// (28 KiB of weights at k = 896, which stay in L1/L2 while every token tile passes over them), and the first token
/// tile of each group prefetches the group two ahead: four rows read side by side defeat the hardware prefetcher, and
/// without it the LM head (272 MiB, read from memory) ran at about three quarters of the rate.
/// </summary>
public sealed unsafe partial class CpuMatMulKernel
{
    /// <summary>Rows of a group: every token tile passes over them before the next group starts.</summary>
    private const int PairGroupRows = 16;

    /// <summary>How many groups ahead the first token tile of a group prefetches.</summary>
    private const int PairPrefetchGroups = 2;

    private readonly GuidedRowChunks _pairChunks = new();
    private bool _pairTiles;

    private void Bf16Pairs(float* x, int tokens, WeightMatrix weight, float* y)
    {
        float* xp = PairOrdered(x, tokens, weight.Cols);
        _xp = xp;
        _y = y;
        _tokens = tokens;
        _weight = weight;
        _pairTiles = true;
        int bands = (weight.Rows + Bf16PairTilesAvx512.Rows - 1) / Bf16PairTilesAvx512.Rows;
        try
        {
            _pool.Run(this, _pairChunks.Plan(bands, _pool.WorkerCount, PairGroupRows / Bf16PairTilesAvx512.Rows));
        }
        finally
        {
            _pairTiles = false;
            _weight = null;
        }
    }

    private void ExecuteBf16Pairs(WeightMatrix w, int chunkIndex)
    {
        const int R = Bf16PairTilesAvx512.Rows;
        bool wide = Isa == CpuIsa.Avx512;
        int tileTokens = wide ? Bf16PairTilesAvx512.Tokens : Bf16PairTilesAvx2.Tokens;
        const int Ahead = PairPrefetchGroups * PairGroupRows;
        int n = w.Rows;
        int k = w.Cols;
        int first = _pairChunks.Start(chunkIndex) * R;
        int last = Math.Min(_pairChunks.End(chunkIndex) * R, n);
        for (int group = first; group < last; group += PairGroupRows)
        {
            int groupEnd = Math.Min(group + PairGroupRows, last);
            for (int t = 0; t < _tokens; t += tileTokens)
            {
                for (int row = group; row < groupEnd; row += R)
                {
                    ushort* prefetch = t == 0 && row + Ahead + R <= n ? w.Bf16 + (long)(row + Ahead) * k : null;
                    ushort* wr = w.Bf16 + (long)row * k;
                    int rows = Math.Min(R, groupEnd - row);
                    int tokens = Math.Min(tileTokens, _tokens - t);
                    if (wide)
                    {
                        PairTile(wr, k, rows, tokens, _xp + (long)t * k, _y + (long)t * n + row, n, prefetch);
                    }
                    else
                    {
                        PairTileAvx2(wr, k, rows, tokens, _xp + (long)t * k, _y + (long)t * n + row, n, prefetch);
                    }
                }
            }
        }
    }

    /// <summary>One tile of rows x tokens (each 1..4), through the instantiation compiled for that shape.</summary>
    private static void PairTile(ushort* w, int k, int rows, int tokens, float* xp, float* y, int n, ushort* prefetch)
    {
        switch (rows)
        {
            case 4:
                PairTile<TileCount4>(w, k, tokens, xp, y, n, prefetch);
                break;
            case 3:
                PairTile<TileCount3>(w, k, tokens, xp, y, n, prefetch);
                break;
            case 2:
                PairTile<TileCount2>(w, k, tokens, xp, y, n, prefetch);
                break;
            default:
                PairTile<TileCount1>(w, k, tokens, xp, y, n, prefetch);
                break;
        }
    }

    private static void PairTile<TRows>(ushort* w, int k, int tokens, float* xp, float* y, int n, ushort* prefetch)
        where TRows : struct, ITileCount
    {
        switch (tokens)
        {
            case 4:
                Bf16PairTilesAvx512.Tile<TRows, TileCount4>(w, k, xp, y, n, prefetch);
                break;
            case 3:
                Bf16PairTilesAvx512.Tile<TRows, TileCount3>(w, k, xp, y, n, prefetch);
                break;
            case 2:
                Bf16PairTilesAvx512.Tile<TRows, TileCount2>(w, k, xp, y, n, prefetch);
                break;
            default:
                Bf16PairTilesAvx512.Tile<TRows, TileCount1>(w, k, xp, y, n, prefetch);
                break;
        }
    }

    /// <summary>One AVX2 tile of rows (1..4) x tokens (1..2).</summary>
    private static void PairTileAvx2(ushort* w, int k, int rows, int tokens, float* xp, float* y, int n, ushort* prefetch)
    {
        switch (rows)
        {
            case 4:
                PairTileAvx2<TileCount4>(w, k, tokens, xp, y, n, prefetch);
                break;
            case 3:
                PairTileAvx2<TileCount3>(w, k, tokens, xp, y, n, prefetch);
                break;
            case 2:
                PairTileAvx2<TileCount2>(w, k, tokens, xp, y, n, prefetch);
                break;
            default:
                PairTileAvx2<TileCount1>(w, k, tokens, xp, y, n, prefetch);
                break;
        }
    }

    private static void PairTileAvx2<TRows>(ushort* w, int k, int tokens, float* xp, float* y, int n, ushort* prefetch)
        where TRows : struct, ITileCount
    {
        if (tokens == 2)
        {
            Bf16PairTilesAvx2.Tile<TRows, TileCount2>(w, k, xp, y, n, prefetch);
        }
        else
        {
            Bf16PairTilesAvx2.Tile<TRows, TileCount1>(w, k, xp, y, n, prefetch);
        }
    }
}
