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

    /// <summary>target[i] = source[i] for i &lt; length (a multiple of 32): a band's quants sign-extended to int16.</summary>
    static abstract void Widen(sbyte* source, short* target, int length);
}
