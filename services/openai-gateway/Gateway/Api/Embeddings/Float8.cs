namespace Gateway.Api.Embeddings;

/// <summary>
/// float32 to the two 8-bit float formats vLLM's <c>embed_dtype</c> offers, bit for bit as torch casts on the CPU
/// (<c>tensor.to(torch.float8_e4m3fn)</c> and <c>torch.float8_e5m2</c>): rounded to nearest, ties to even, subnormals
/// kept. Out of range, e4m3fn (no infinity; largest 448) gives NaN and e5m2 (largest 57344) infinity, as torch's do.
/// </summary>
public static class Float8
{
    /// <summary>OCP E4M3FN: 1 sign, 4 exponent (bias 7), 3 mantissa bits; 0x7F/0xFF is NaN.</summary>
    public static byte ToE4M3FnBits(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var sign = bits & 0x8000_0000u;
        bits ^= sign;
        byte result;
        if (bits >= 1087u << 20)
        {
            // 480 and above (the first value that rounds past 448), infinities and NaN.
            result = 0x7F;
        }
        else if (bits < 121u << 23)
        {
            // Below 2^-6, the smallest normal: adding 2^14 lines the subnormal grid up with float32's last bits, and
            // the float addition rounds to nearest even.
            result = (byte)(BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(bits) + BitConverter.UInt32BitsToSingle(141u << 23)) - (141u << 23));
        }
        else
        {
            var mantissaOdd = (bits >> 20) & 1;
            bits += unchecked((uint)((7 - 127) << 23)) + 0x7FFFF + mantissaOdd;
            result = (byte)(bits >> 20);
        }

        return (byte)(result | (sign >> 24));
    }

    /// <summary>E5M2: 1 sign, 5 exponent (bias 15), 2 mantissa bits, infinities and NaN as IEEE's.</summary>
    public static byte ToE5M2Bits(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var sign = bits & 0x8000_0000u;
        bits ^= sign;
        byte result;
        if (bits >= 143u << 23)
        {
            // 65536 and above round to infinity; NaN stays NaN.
            result = bits > 0x7F80_0000u ? (byte)0x7F : (byte)0x7C;
        }
        else if (bits < 113u << 23)
        {
            // Below 2^-14, the smallest normal: as for E4M3FN, with 2^7 as the aligning addend.
            result = (byte)(BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(bits) + BitConverter.UInt32BitsToSingle(134u << 23)) - (134u << 23));
        }
        else
        {
            var mantissaOdd = (bits >> 21) & 1;
            bits += unchecked((uint)((15 - 127) << 23)) + 0xFFFFF + mantissaOdd;
            result = (byte)(bits >> 21);
        }

        return (byte)(result | (sign >> 24));
    }
}
