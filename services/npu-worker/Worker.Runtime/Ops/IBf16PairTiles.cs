namespace Worker.Runtime.Ops;

/// <summary>
/// A BF16 pair-order register tile of one instruction-set path (<see cref="Bf16PairTilesAvx512"/>,
/// <see cref="Bf16PairTilesAvx2"/>), so one dispatch picks the compiled shape for either path.
/// </summary>
internal unsafe interface IBf16PairTiles
{
    /// <summary>Bytes a prefetch brings in.</summary>
    const int CacheLineBytes = 64;

    /// <summary>
    /// y[t, r] = dot(W row r, x token t) for TRows rows x TTokens tokens (at most the path's full tile); meanwhile
    /// prefetches prefetchLines cache lines from prefetch on (none with 0), spread evenly over its steps.
    /// </summary>
    static abstract void Tile<TRows, TTokens>(ushort* w, int k, float* xp, float* y, int yStride, ushort* prefetch, int prefetchLines)
        where TRows : struct, ITileCount
        where TTokens : struct, ITileCount;
}
