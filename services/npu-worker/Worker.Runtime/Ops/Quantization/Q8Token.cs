namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// One token's activations in Q8_0 blocks, in the forms the kernels' sign trick needs: q, |q| (the unsigned operand
/// of maddubs), the sign mask of q (0 or -1 per byte, for the 512-bit path's xor-subtract) and the block scales
/// expanded 8 times each. Rows are zero padded to whole blocks.
/// </summary>
internal readonly unsafe struct Q8Token(sbyte* q, byte* abs, sbyte* sign, float* scales)
{
    public readonly sbyte* Q = q;
    public readonly byte* Abs = abs;
    public readonly sbyte* Sign = sign;
    public readonly float* Scales = scales;
}
