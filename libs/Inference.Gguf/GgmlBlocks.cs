using System.Buffers.Binary;

namespace Inference.Gguf;

/// <summary>
/// Dequantization of ggml's block types to float32, one block at a time, as ggml's dequantize_row_*
/// (ggml-quants.c) computes it: the legacy 32-element blocks (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) and the 256-element
/// k-quant super-blocks (Q4_K, Q5_K, Q6_K) that Q4_K_M, Q5_K_M and Q6_K files are made of.
/// </summary>
public static class GgmlBlocks
{
    /// <summary>Whether the type is stored in blocks of more than one element (a quantized type).</summary>
    public static bool IsQuantized(GgmlType type) => GgmlTypeSize.BlockElements(type) > 1;

    /// <summary>Writes the <see cref="GgmlTypeSize.BlockElements"/> values of one block of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentException">The type is not a quantized one.</exception>
    public static void Dequantize(GgmlType type, ReadOnlySpan<byte> block, Span<float> values)
    {
        switch (type)
        {
            case GgmlType.Q4_0:
                Q4(block[2..], Half(block, 0), -8, 0, values);
                break;
            case GgmlType.Q4_1:
                Q4(block[4..], Half(block, 0), 0, Half(block, 2), values);
                break;
            case GgmlType.Q5_0:
                Q5(block[2..6], block[6..], Half(block, 0), -16, 0, values);
                break;
            case GgmlType.Q5_1:
                Q5(block[4..8], block[8..], Half(block, 0), 0, Half(block, 2), values);
                break;
            case GgmlType.Q8_0:
                float d8 = Half(block, 0);
                for (int j = 0; j < 32; j++)
                {
                    values[j] = (sbyte)block[2 + j] * d8;
                }

                break;
            case GgmlType.Q4_K:
                Q45K(block, block[16..144], qh: default, values);
                break;
            case GgmlType.Q5_K:
                Q45K(block, block[48..176], block[16..48], values);
                break;
            case GgmlType.Q6_K:
                Q6K(block, values);
                break;
            default:
                throw new ArgumentException($"ggml type {type} is not a quantized type.", nameof(type));
        }
    }

    private static float Half(ReadOnlySpan<byte> bytes, int offset) => (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes[offset..]));

    /// <summary>Q4_0 / Q4_1: the low nibbles are elements 0-15, the high ones 16-31; x = (q + offset) d + m.</summary>
    private static void Q4(ReadOnlySpan<byte> qs, float d, int offset, float m, Span<float> y)
    {
        for (int j = 0; j < 16; j++)
        {
            y[j] = ((qs[j] & 0x0F) + offset) * d + m;
            y[j + 16] = ((qs[j] >> 4) + offset) * d + m;
        }
    }

    /// <summary>Q5_0 / Q5_1: as Q4 with a fifth bit per element from the 32-bit qh (bit j for element j).</summary>
    private static void Q5(ReadOnlySpan<byte> qhBytes, ReadOnlySpan<byte> qs, float d, int offset, float m, Span<float> y)
    {
        uint qh = BinaryPrimitives.ReadUInt32LittleEndian(qhBytes);
        for (int j = 0; j < 16; j++)
        {
            int high0 = (int)((qh >> j) << 4) & 0x10;
            int high1 = (int)(qh >> (j + 12)) & 0x10;
            y[j] = (((qs[j] & 0x0F) | high0) + offset) * d + m;
            y[j + 16] = (((qs[j] >> 4) | high1) + offset) * d + m;
        }
    }

    /// <summary>
    /// Q4_K / Q5_K: fp16 d and dmin, 12 bytes of 6-bit scales and minimums for the 8 groups of 32, then the 4-bit
    /// values (64 per 32 bytes: low nibbles, then high nibbles) and for Q5_K a fifth bit from qh.
    /// </summary>
    private static void Q45K(ReadOnlySpan<byte> block, ReadOnlySpan<byte> qs, ReadOnlySpan<byte> qh, Span<float> y)
    {
        float d = Half(block, 0), min = Half(block, 2);
        var scales = block.Slice(4, 12);
        bool fifthBit = !qh.IsEmpty;
        int u1 = 1, u2 = 2;
        for (int j = 0, group = 0; j < 256; j += 64, group += 2)
        {
            var (sc1, m1) = ScaleMin(group, scales);
            var (sc2, m2) = ScaleMin(group + 1, scales);
            float d1 = d * sc1, min1 = min * m1, d2 = d * sc2, min2 = min * m2;
            var q = qs.Slice(j / 2, 32);
            for (int l = 0; l < 32; l++)
            {
                int high1 = fifthBit && (qh[l] & u1) != 0 ? 16 : 0;
                int high2 = fifthBit && (qh[l] & u2) != 0 ? 16 : 0;
                y[j + l] = d1 * ((q[l] & 0x0F) + high1) - min1;
                y[j + 32 + l] = d2 * ((q[l] >> 4) + high2) - min2;
            }

            u1 <<= 2;
            u2 <<= 2;
        }
    }

    /// <summary>ggml's get_scale_min_k4: group j's 6-bit scale and minimum, packed in 12 bytes.</summary>
    private static (int Scale, int Min) ScaleMin(int j, ReadOnlySpan<byte> q) => j < 4
        ? (q[j] & 63, q[j + 4] & 63)
        : ((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4));

    /// <summary>Q6_K: 128 bytes of low nibbles, 64 of 2-bit highs, 16 int8 scales (one per 16 elements), then fp16 d; x = d s (q - 32).</summary>
    private static void Q6K(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = Half(block, 208);
        for (int n = 0; n < 2; n++)
        {
            var ql = block.Slice(64 * n, 64);
            var qh = block.Slice(128 + 32 * n, 32);
            var sc = block.Slice(192 + 8 * n, 8);
            var outHalf = y.Slice(128 * n, 128);
            for (int l = 0; l < 32; l++)
            {
                int group = l / 16;
                int q1 = ((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
                int q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                outHalf[l] = d * (sbyte)sc[group] * q1;
                outHalf[l + 32] = d * (sbyte)sc[group + 2] * q2;
                outHalf[l + 64] = d * (sbyte)sc[group + 4] * q3;
                outHalf[l + 96] = d * (sbyte)sc[group + 6] * q4;
            }
        }
    }
}
