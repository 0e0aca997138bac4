namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// One token's activations in Q8_0 blocks, in the forms the kernels' sign trick needs: q (the sign source) and |q|
/// (the unsigned operand of maddubs). Rows are zero padded to whole blocks; the block scales live beside them
/// (<see cref="Q8Activations.BlockScales"/>).
/// </summary>
internal readonly unsafe struct Q8Token(sbyte* q, byte* abs)
{
    public readonly sbyte* Q = q;
    public readonly byte* Abs = abs;
}
