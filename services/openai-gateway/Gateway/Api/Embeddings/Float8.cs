namespace Gateway.Api.Embeddings;

/// <summary>
/// float32 to the two 8-bit float formats vLLM's <c>embed_dtype</c> offers, bit for bit as torch casts on the CPU
/// (<c>tensor.to(torch.float8_e4m3fn)</c> and <c>torch.float8_e5m2</c>): rounded to nearest, ties to even, subnormals
/// kept. Out of range, e4m3fn (no infinity; largest 448) gives NaN and e5m2 (largest 57344) infinity, as torch's do.
/// </summary>
public static class Float8
{
    /// <summary>OCP E4M3FN: 1 sign, 4 exponent (bias 7), 3 mantissa bits; 0x7F/0xFF is NaN. 480 is the first value that
    /// rounds past 448, and everything from it on (infinities and NaN too) is NaN.</summary>
    private static readonly Format E4M3Fn = new(MantissaBits: 3, Bias: 7, FirstOutOfRange: 1087u << 20, OutOfRange: _ => 0x7F);

    /// <summary>E5M2: 1 sign, 5 exponent (bias 15), 2 mantissa bits, infinities and NaN as IEEE's: from 65536 on,
    /// infinity (0x7C), NaN staying NaN.</summary>
    private static readonly Format E5M2 = new(MantissaBits: 2, Bias: 15, FirstOutOfRange: 143u << 23,
        OutOfRange: bits => bits > 0x7F80_0000u ? (byte)0x7F : (byte)0x7C);

    public static byte ToE4M3FnBits(float value) => Encode(value, E4M3Fn);

    public static byte ToE5M2Bits(float value) => Encode(value, E5M2);

    private static byte Encode(float value, Format format)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var sign = bits & 0x8000_0000u;
        bits ^= sign;
        var shift = 23 - format.MantissaBits;
        byte result;
        if (bits >= format.FirstOutOfRange)
        {
            result = format.OutOfRange(bits);
        }
        else if (bits < (uint)(127 + 1 - format.Bias) << 23)
        {
            // Below the smallest normal: adding 2^(23 - mantissa bits + 1 - bias) (2^14 for e4m3fn, 2^7 for e5m2) lines
            // the subnormal grid up with float32's last bits, and the float addition rounds to nearest even.
            var align = (uint)(127 - format.Bias + shift + 1) << 23;
            result = (byte)(BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(bits) + BitConverter.UInt32BitsToSingle(align)) - align);
        }
        else
        {
            // Rebias the exponent and round the dropped mantissa bits to nearest, ties to even.
            var mantissaOdd = (bits >> shift) & 1;
            bits += unchecked((uint)((format.Bias - 127) << 23)) + ((1u << (shift - 1)) - 1) + mantissaOdd;
            result = (byte)(bits >> shift);
        }

        return (byte)(result | (sign >> 24));
    }

    /// <param name="FirstOutOfRange">The float32 bits (sign cleared) from which a value has no finite code.</param>
    /// <param name="OutOfRange">The code of such a value, from its bits.</param>
    private sealed record Format(int MantissaBits, int Bias, uint FirstOutOfRange, Func<uint, byte> OutOfRange);
}
