using Worker.Runtime.Ops.Quantization;

namespace Worker.Tests.Ops.Quantization;

/// <summary>Quantization at load: ggml's Q8_0 reference rule bit for bit, the padded tail, and the dequantized row.</summary>
public sealed unsafe class Q8WeightMatrixTests
{
    /// <summary>Rows of up to 2048 bytes (the four-row decode's) keep their scales in the row; rows of 2080 apart.</summary>
    [Theory]
    [InlineData(70, 96, true)]
    [InlineData(2048, 2048, true)]
    [InlineData(2050, 2080, false)]
    public void FromTensor_Q8_0_QuantsAndScalesEqualGgmlReferenceRule(int cols, int padded, bool scalesInRows)
    {
        var random = new Random(3);
        const int rows = 3;
        var w = Enumerable.Range(0, rows * cols).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        var matrix = Q8MatMulTests.Q8Matrix(w, rows, cols);
        var (q, d) = Q8Reference.QuantizeWeights(w, rows, cols);
        int length = matrix.Q8RowLength, blocks = length / Q8Block.Size;
        Assert.Equal((padded, scalesInRows), (length, matrix.Q8ScalesInRows));
        for (int r = 0; r < rows; r++)
        {
            Assert.True(!scalesInRows || (long)matrix.Q8Row(r) % 64 == 0, "a row's quants start on a cache line");
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(i < cols ? q[r * cols + i] : 0, matrix.Q8Row(r)[i]);
            }

            for (int b = 0; b < blocks; b++)
            {
                Assert.Equal(d[r * blocks + b], Q8Block.HalfToSingle(matrix.Q8RowScales(r)[b]));
            }
        }
    }

    [Fact]
    public void FromTensor_Q8_0_HalfwayValue_RoundsAwayFromZero()
    {
        // amax 127 gives d = 1 exactly, so 2.5 and -2.5 sit halfway: roundf gives 3 and -3 (round-to-even would give 2).
        var w = new float[32];
        w[0] = 127;
        w[1] = 2.5f;
        w[2] = -2.5f;
        var matrix = Q8MatMulTests.Q8Matrix(w, 1, 32);
        Assert.Equal(new sbyte[] { 127, 3, -3 }, new[] { matrix.Q8Row(0)[0], matrix.Q8Row(0)[1], matrix.Q8Row(0)[2] });
    }

    [Fact]
    public void CopyRow_Q8_0_IsQuantsTimesScale()
    {
        var random = new Random(4);
        var w = Enumerable.Range(0, 2 * 40).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var matrix = Q8MatMulTests.Q8Matrix(w, 2, 40);
        var (q, d) = Q8Reference.QuantizeWeights(w, 2, 40);
        var row = new float[40];
        matrix.CopyRow(1, row);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => q[40 + i] * d[2 + i / 32]).ToArray(), row);
    }

    [Fact]
    public void Bytes_Q8_0_IsOneByteAWeightPlusTwoPerBlock()
    {
        var matrix = Q8MatMulTests.Q8Matrix(new float[5 * 64], 5, 64);
        Assert.Equal(5 * 64 + 5 * 2 * 2, matrix.Bytes);
        Assert.Equal("q8_0", matrix.Format);
    }

    [Fact]
    public void HalfToSingle_EveryFiniteHalf_MatchesScalarConversion()
    {
        var bits = Enumerable.Range(0, 65536).Select(i => (ushort)i).Where(b => Half.IsFinite(BitConverter.UInt16BitsToHalf(b))).ToArray();
        var converted = new float[bits.Length + 8];
        foreach (int blocks in new[] { bits.Length, bits.Length - 5, 13, 3 }) // whole vectors; an overlapping last vector; fewer than eight
        {
            fixed (ushort* source = bits)
            fixed (float* destination = converted)
            {
                Q8Block.ToSingle(source, blocks, destination);
            }

            for (int i = 0; i < blocks; i++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf(bits[i]);
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(converted[i]),
                    $"fp16 0x{bits[i]:x4}: expected {expected}, got {converted[i]}");
            }

            Assert.All(converted[blocks..((blocks + 7) / 8 * 8)], v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void CombineScales_EveryFiniteHalf_IsHalfTimesTokenScale()
    {
        var bits = Enumerable.Range(0, 65536).Select(i => (ushort)i).Where(b => Half.IsFinite(BitConverter.UInt16BitsToHalf(b))).ToArray();
        var dx = Enumerable.Range(0, bits.Length).Select(i => 0.5f + (i % 7) * 0.25f).ToArray();
        var combined = new float[bits.Length];
        foreach (int blocks in new[] { bits.Length, bits.Length - 5, 13, 3 }) // whole vectors; an overlapping last vector; fewer than eight
        {
            fixed (ushort* source = bits)
            fixed (float* scales = dx)
            fixed (float* destination = combined)
            {
                Q8Block.CombineScales(source, scales, blocks, destination);
            }

            for (int i = 0; i < blocks; i++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf(bits[i]) * dx[i];
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(combined[i]),
                    $"fp16 0x{bits[i]:x4} x {dx[i]}: expected {expected}, got {combined[i]}");
            }
        }
    }
}
