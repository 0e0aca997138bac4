namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// A Q8_0 lane tile of one instruction-set path (<see cref="Q8LaneTilesAvx512"/>, <see cref="Q8LaneTilesAvx2"/>):
/// <see cref="Rows"/> weight rows x one group of <see cref="Lanes"/> tokens (<see cref="Q8TokenLanes"/>), so one
/// generic band loop compiles for either path.
/// </summary>
internal unsafe interface IQ8LaneTiles
{
    /// <summary>Weight rows of a tile.</summary>
    static abstract int Rows { get; }

    /// <summary>Tokens of a group: int32 lanes of the path's vector.</summary>
    static abstract int Lanes { get; }

    /// <summary>
    /// result[r * Lanes + l] = dot(row r, token lane l): w the rows' quants widened to int16 (rows rowStride values
    /// apart), dw their block scales as floats (rows dwStride apart), pairs and dx the token group's
    /// (<see cref="Q8TokenLanes.Pairs"/>, <see cref="Q8TokenLanes.Scales"/>).
    /// </summary>
    static abstract void Tile(short* w, int rowStride, float* dw, int dwStride, int blocks, int* pairs, float* dx, float* result);

    /// <summary>
    /// Token groups one pass over a band's rows serves: 2 where <see cref="TileTwoGroups"/> shares each broadcast
    /// between two groups, 1 where the groups pass one after the other (<see cref="Tile"/> only).
    /// </summary>
    static abstract int GroupsPerPass { get; }

    /// <summary>
    /// <see cref="Tile"/> for two token groups over the same rows (pairs/dx into result, pairsB/dxB into resultB), on the
    /// paths whose <see cref="GroupsPerPass"/> is 2.
    /// </summary>
    static abstract void TileTwoGroups(short* w, int rowStride, float* dw, int dwStride, int blocks, int* pairs, float* dx, int* pairsB, float* dxB,
        float* result, float* resultB);

    /// <summary>target[i] = source[i] for i &lt; length (a multiple of 32): a band's quants sign-extended to int16.</summary>
    static abstract void Widen(sbyte* source, short* target, int length);
}
