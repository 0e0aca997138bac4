using Gateway.Api.Embeddings;

namespace Gateway.Tests.Api;

/// <summary>vLLM's fp8 embed_dtypes: float32 to torch.float8_e4m3fn and torch.float8_e5m2, bit for bit as torch casts.</summary>
public sealed class Float8Tests
{
    [Theory]
    [InlineData(1.0f, 0x38)]
    [InlineData(-1.5f, 0xBC)]
    [InlineData(0.5f, 0x30)]
    [InlineData(448f, 0x7E)] // the largest
    [InlineData(464f, 0x7E)] // halfway between 448 and 480 (not a value): to even, 448
    [InlineData(480f, 0x7F)] // out of range: NaN, as torch
    [InlineData(float.PositiveInfinity, 0x7F)]
    [InlineData(float.NegativeInfinity, 0xFF)]
    [InlineData(0.015625f, 0x08)] // 2^-6, the smallest normal
    [InlineData(0.001953125f, 0x01)] // 2^-9, the smallest subnormal
    [InlineData(0.0009765625f, 0x00)] // 2^-10, halfway to the smallest subnormal: to even, 0
    [InlineData(0.0029296875f, 0x02)] // 1.5 x 2^-9: halfway between 0x01 and 0x02, to even
    [InlineData(-0.0f, 0x80)]
    public void E4M3Fn_IsTorchsCast(float value, int bits) => Assert.Equal((byte)bits, Float8.ToE4M3FnBits(value));

    [Theory]
    [InlineData(1.0f, 0x3C)]
    [InlineData(-2.0f, 0xC0)]
    [InlineData(57344f, 0x7B)] // the largest
    [InlineData(61440f, 0x7C)] // halfway between 57344 and 65536: to even, which is infinity
    [InlineData(65536f, 0x7C)]
    [InlineData(float.PositiveInfinity, 0x7C)]
    [InlineData(0.00006103515625f, 0x04)] // 2^-14, the smallest normal
    [InlineData(0.0000152587890625f, 0x01)] // 2^-16, the smallest subnormal
    [InlineData(-0.0f, 0x80)]
    public void E5M2_IsTorchsCast(float value, int bits) => Assert.Equal((byte)bits, Float8.ToE5M2Bits(value));

    /// <summary>NaN keeps its sign (.NET's float.NaN has the sign bit set; Python's float("nan") has not).</summary>
    [Fact]
    public void NaN_StaysNaN_WithItsSign()
    {
        var positive = BitConverter.UInt32BitsToSingle(0x7FC0_0000);
        var negative = BitConverter.UInt32BitsToSingle(0xFFC0_0000);

        Assert.Equal((0x7F, 0xFF), (Float8.ToE4M3FnBits(positive), Float8.ToE4M3FnBits(negative)));
        Assert.Equal((0x7F, 0xFF), (Float8.ToE5M2Bits(positive), Float8.ToE5M2Bits(negative)));
    }

    /// <summary>Every finite code decodes (by the format's definition, written here on its own) to a value that encodes
    /// back to it, and a value a quarter of the way to the next code still does (rounding to the nearest).</summary>
    [Theory]
    [InlineData(4, 3)]
    [InlineData(5, 2)]
    public void EveryFiniteCode_RoundTrips(int exponentBits, int mantissaBits)
    {
        Func<float, byte> encode = exponentBits == 4 ? Float8.ToE4M3FnBits : Float8.ToE5M2Bits;
        var codes = Enumerable.Range(0, 128).Select(c => (byte)c).Where(c => IsFinite(c, exponentBits, mantissaBits)).ToList();
        foreach (var code in codes)
        {
            var value = Decode(code, exponentBits, mantissaBits);
            Assert.Equal(code, encode(value));
            Assert.Equal((byte)(code | 0x80), encode(-value == 0 ? -0.0f : -value));
            if (IsFinite((byte)(code + 1), exponentBits, mantissaBits))
            {
                var next = Decode((byte)(code + 1), exponentBits, mantissaBits);
                Assert.Equal(code, encode(value + (next - value) / 4));
                Assert.Equal((byte)(code + 1), encode(value + 3 * (next - value) / 4));
            }
        }
    }

    private static bool IsFinite(byte code, int exponentBits, int mantissaBits)
    {
        var exponentMax = (1 << exponentBits) - 1;
        var exponent = (code >> mantissaBits) & exponentMax;
        var mantissa = code & ((1 << mantissaBits) - 1);
        return code < 0x80 && (exponentBits == 4
            ? !(exponent == exponentMax && mantissa == (1 << mantissaBits) - 1) // E4M3FN: only S.1111.111 is NaN
            : exponent != exponentMax); // E5M2: IEEE-like, the top exponent is infinity and NaN
    }

    private static float Decode(byte code, int exponentBits, int mantissaBits)
    {
        var bias = (1 << (exponentBits - 1)) - 1;
        var exponent = (code >> mantissaBits) & ((1 << exponentBits) - 1);
        var mantissa = code & ((1 << mantissaBits) - 1);
        var fraction = mantissa / (float)(1 << mantissaBits);
        return exponent == 0
            ? fraction * MathF.Pow(2, 1 - bias)
            : (1 + fraction) * MathF.Pow(2, exponent - bias);
    }
}
