using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// The Q8_0 block rules, as ggml defines them: a block is 32 values x with one scale d = max|x| / 127 stored as
/// fp16, and q = round(x / d) in [-127, 127]. Weights use ggml's reference rule (quantize_row_q8_0_ref: q =
/// roundf(x * (1 / d)), halves away from zero); activations use its x86 rule (q = round-to-even(x * 127 / max|x|)).
/// </summary>
public static unsafe class Q8Block
{
    public const int Size = 32;

    /// <summary>2^112: the exponent bias difference between fp32 (127) and fp16 (15).</summary>
    private const float TwoPow112 = 5.192296858534828E+33f;

    /// <summary>Row length rounded up to whole blocks (the tail block is zero padded).</summary>
    public static int PaddedLength(int length) => (length + Size - 1) / Size * Size;

    /// <summary>Quantizes one weight row (ggml's reference rule) into q (padded to whole blocks) and fp16 scales.</summary>
    public static void QuantizeWeightRow(ReadOnlySpan<float> x, Span<sbyte> q, Span<ushort> scales)
    {
        for (int b = 0; b * Size < x.Length; b++)
        {
            var block = x.Slice(b * Size, Math.Min(Size, x.Length - b * Size));
            float amax = 0;
            foreach (float v in block)
            {
                amax = MathF.Max(amax, MathF.Abs(v));
            }

            float d = amax / 127;
            float id = d != 0 ? 1 / d : 0;
            scales[b] = BitConverter.HalfToUInt16Bits((Half)d);
            var qb = q.Slice(b * Size, Size);
            qb.Clear();
            for (int j = 0; j < block.Length; j++)
            {
                qb[j] = (sbyte)MathF.Round(block[j] * id, MidpointRounding.AwayFromZero);
            }
        }
    }

    /// <summary>
    /// Quantizes 32 activations by ggml's x86 rule: d = max|x| / 127 rounded to fp16, q = round-to-even(x * 127 /
    /// max|x|) (an all-zero block gives d = 0 and q = 0). Returns d.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float QuantizeActivations(float* x, out Vector256<sbyte> q) => QuantizeActivations(x, out q, out _);

    /// <summary>
    /// As above, and sum(q). Kept in vectors throughout (a max across lanes by shuffles, cvtps2dq's round-to-even, the
    /// int32 results packed with saturation, which |q| &lt;= 127 never reaches): the caller quantizes a one-token matvec's
    /// input before either thread starts, and the 4864-wide down projection's took 2.7 us before this form, 1.3 us with it
    /// (Zen 5).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float QuantizeActivations(float* x, out Vector256<sbyte> q, out int sum)
    {
        var v0 = Vector256.Load(x);
        var v1 = Vector256.Load(x + 8);
        var v2 = Vector256.Load(x + 16);
        var v3 = Vector256.Load(x + 24);
        var max = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
        var m = Vector128.Max(max.GetLower(), max.GetUpper());
        m = Vector128.Max(m, Sse.Shuffle(m, m, 0b01_00_11_10));
        m = Vector128.Max(m, Sse.Shuffle(m, m, 0b10_11_00_01));
        float amax = m.ToScalar();
        var id = Vector256.Create(amax != 0 ? 127 / amax : 0);

        // cvtps2dq rounds by MXCSR, which .NET leaves at round-to-nearest-even.
        var i0 = Avx.ConvertToVector256Int32(v0 * id);
        var i1 = Avx.ConvertToVector256Int32(v1 * id);
        var i2 = Avx.ConvertToVector256Int32(v2 * id);
        var i3 = Avx.ConvertToVector256Int32(v3 * id);
        var total = (i0 + i1) + (i2 + i3);
        var t = Vector128.Add(total.GetLower(), total.GetUpper());
        t += Sse2.Shuffle(t, 0b01_00_11_10);
        t += Sse2.Shuffle(t, 0b10_11_00_01);
        sum = t.ToScalar();

        // Packing works within 128-bit lanes: the bytes come out as dwords (4 values each) of i0, i1, i2, i3 low halves,
        // then their high halves; the permute puts each vector's two dwords back side by side.
        var packed = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(i0, i1), Avx2.PackSignedSaturate(i2, i3));
        q = Avx2.PermuteVar8x32(packed.AsInt32(), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)).AsSByte();
        return RoundToHalf(amax / 127);
    }

    /// <summary>
    /// x rounded to the nearest fp16 value (ties to even), as fp32: the mantissa rounded to fp16's 10 bits in place
    /// where x is a normal fp16 number, the general conversion otherwise (subnormal, zero, too large).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RoundToHalf(float x)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        uint exponent = (bits >> 23) & 0xff;
        if (exponent is >= 127 - 14 and <= 127 + 15)
        {
            uint rounded = (bits + 0x0fffu + ((bits >> 13) & 1)) & 0xffffe000u;
            if (((rounded >> 23) & 0xff) <= 127 + 15)
            {
                return BitConverter.UInt32BitsToSingle(rounded);
            }
        }

        return (float)(Half)x;
    }

    /// <summary>fp16 bits to fp32, exact for every finite value (subnormals included).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HalfToSingle(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>
    /// Eight fp16 scales to fp32: the fp16 exponent and mantissa moved into fp32 position, then scaled by 2^112 to
    /// rebias the exponent (exact for every finite fp16, subnormals included), and the sign put back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfToSingle(Vector128<ushort> bits)
    {
        var wide = Vector256.WidenLower(bits.ToVector256Unsafe()).AsUInt32();
        var magnitude = Vector256.ShiftLeft(wide & Vector256.Create(0x7fffu), 13).AsSingle() * Vector256.Create(TwoPow112);
        var sign = Vector256.ShiftLeft(wide & Vector256.Create(0x8000u), 16);
        return (magnitude.AsUInt32() | sign).AsSingle();
    }

    /// <summary>
    /// One row's fp16 scales times one token's block scales, one float per block: ds[b] = d_w[b] * d_x[b] (the decode
    /// kernels' form). ds gets <paramref name="blocks"/> values. Inlined, so the one-token four-row kernel
    /// (<see cref="Q8Avx2TileKernels.Rows4x1"/>) combines its rows' scales without a call per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CombineScales(ushort* scales, float* dx, int blocks, float* ds)
    {
        var unused = Vector256<float>.Zero;
        for (int g = 0; g < blocks; g += 8)
        {
            CombineGroup(scales, dx, null, blocks, g, ds, ref unused);
        }
    }

    /// <summary>
    /// As above, and returns sum_b ds[b] * cx[b] (0 when cx is null): with cx the token's <see
    /// cref="Q8Activations.BlockSums"/>, what the unsigned-weight kernels' sum holds beyond the dot product.
    /// </summary>
    public static float CombineScales(ushort* scales, float* dx, float* cx, int blocks, float* ds)
    {
        var correction = Vector256<float>.Zero;
        float tail = 0;
        for (int g = 0; g < blocks; g += 8)
        {
            tail += CombineGroup(scales, dx, cx, blocks, g, ds, ref correction);
        }

        return Vector256.Sum(correction) + tail;
    }

    /// <summary>
    /// The eight blocks from <paramref name="group"/> (a multiple of 8) of <see cref="CombineScales(ushort*, float*, float*, int, float*)"/>:
    /// ds[b] = d_w[b] * d_x[b], and ds[b] * cx[b] added to <paramref name="correction"/>'s lanes (cx null: not).
    /// A row's last group short of eight takes the row's last eight blocks instead, overlapping ones done before (the
    /// same values rewritten; the correction masked to the new ones): one vector step instead of up to seven scalar fp16
    /// conversions per row. Measured on the 0.5B sizes, one token, medians of same-build pairs: a Q8_0 decode step's
    /// matmuls 22-25 ms -> 19-22 ms. A row of fewer than eight blocks goes one at a time; their correction is returned
    /// (0 otherwise).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float CombineGroup(ushort* scales, float* dx, float* cx, int blocks, int group, float* ds, ref Vector256<float> correction)
    {
        if (blocks < 8)
        {
            float tail = 0;
            for (int b = 0; b < blocks; b++)
            {
                ds[b] = HalfBitsToSingle(scales[b]) * dx[b];
                tail += cx != null ? ds[b] * cx[b] : 0;
            }

            return tail;
        }

        int first = Math.Min(group, blocks - 8);
        var combined = CombineEight(scales + first, dx + first);
        combined.Store(ds + first);
        if (cx != null)
        {
            var terms = Vector256.Load(cx + first);
            if (first < group)
            {
                terms &= Vector256.GreaterThanOrEqual(Vector256.Create(first) + Vector256<int>.Indices, Vector256.Create(group)).AsSingle();
            }

            correction = Fma.MultiplyAdd(combined, terms, correction);
        }

        return 0;
    }

    /// <summary>Eight blocks' fp16 weight scales times the token's block scales: d_w[b] * d_x[b].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> CombineEight(ushort* scales, float* dx) => HalfToSingle(Vector128.Load(scales)) * Vector256.Load(dx);

    /// <summary>A row's fp16 scales to fp32, one per block; zero from blocks up to the next multiple of 8.</summary>
    public static void ToSingle(ushort* scales, int blocks, float* destination)
    {
        int b = 0;
        for (; b + 8 <= blocks; b += 8)
        {
            HalfToSingle(Vector128.Load(scales + b)).Store(destination + b);
        }

        for (; b < blocks; b++)
        {
            destination[b] = HalfBitsToSingle(scales[b]);
        }

        for (; (b & 7) != 0; b++)
        {
            destination[b] = 0;
        }
    }

    /// <summary>destination[i] = a[i] * b[i] for i &lt; length (a multiple of 8).</summary>
    public static void Multiply(float* a, float* b, int length, float* destination)
    {
        for (int i = 0; i < length; i += 8)
        {
            (Vector256.Load(a + i) * Vector256.Load(b + i)).Store(destination + i);
        }
    }

    /// <summary>The 8-wide rebias on one value (exact for every finite fp16), cheaper than the Half conversion.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HalfBitsToSingle(ushort bits)
    {
        float magnitude = BitConverter.UInt32BitsToSingle((uint)(bits & 0x7fff) << 13) * TwoPow112;
        return BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(magnitude) | ((uint)(bits & 0x8000) << 16));
    }
}
