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
                        PairTile<Bf16PairTilesAvx512>(wr, k, rows, tokens, _xp + (long)t * k, _y + (long)t * n + row, n, prefetch);
                    }
                    else
                    {
                        PairTile<Bf16PairTilesAvx2>(wr, k, rows, tokens, _xp + (long)t * k, _y + (long)t * n + row, n, prefetch);
                    }
                }
            }
        }
    }

    /// <summary>
    /// One tile of rows x tokens (each 1..4, tokens at most the path's full tile), through the instantiation compiled
    /// for that shape.
    /// </summary>
    private static void PairTile<TTiles>(ushort* w, int k, int rows, int tokens, float* xp, float* y, int n, ushort* prefetch)
        where TTiles : struct, IBf16PairTiles
    {
        switch (rows)
        {
            case 4:
                PairTile<TTiles, TileCount4>(w, k, tokens, xp, y, n, prefetch);
                break;
            case 3:
                PairTile<TTiles, TileCount3>(w, k, tokens, xp, y, n, prefetch);
                break;
            case 2:
                PairTile<TTiles, TileCount2>(w, k, tokens, xp, y, n, prefetch);
                break;
            default:
                PairTile<TTiles, TileCount1>(w, k, tokens, xp, y, n, prefetch);
                break;
        }
    }

    private static void PairTile<TTiles, TRows>(ushort* w, int k, int tokens, float* xp, float* y, int n, ushort* prefetch)
        where TTiles : struct, IBf16PairTiles
        where TRows : struct, ITileCount
    {
        switch (tokens)
        {
            case 4:
                TTiles.Tile<TRows, TileCount4>(w, k, xp, y, n, prefetch);
                break;
            case 3:
                TTiles.Tile<TRows, TileCount3>(w, k, xp, y, n, prefetch);
                break;
            case 2:
                TTiles.Tile<TRows, TileCount2>(w, k, xp, y, n, prefetch);
                break;
            default:
                TTiles.Tile<TRows, TileCount1>(w, k, xp, y, n, prefetch);
                break;
        }
    }
}
