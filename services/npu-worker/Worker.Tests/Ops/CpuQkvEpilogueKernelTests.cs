using System.Numerics.Tensors;
using Worker.Runtime.Kv;
using Worker.Runtime.Ops;

namespace Worker.Tests.Ops;

/// <summary>
/// The fused QKV epilogue against the passes it replaces, run one after another as the decoder ran them: the bias
/// added to each stacked row, the row split into q, k and v, q and k RMS-normalised per head, rotated by a scalar
/// rotate_half loop, and k, v stored with <see cref="KvLayer.Write"/>. The results must be equal bit for bit. Shapes
/// cover Qwen2 (bias, no norm), Qwen3 (norms, no bias), both, head sizes whose half is a whole number of 8-float
/// vectors, not one (a tail), and shorter than one vector, slots in several KV blocks, and steps long enough to be
/// split over two threads (16 tokens, and 21: a last chunk short of eight). In a bfloat16 cache both round the same
/// fp32 key and value, so they store the same bits there too.
/// </summary>
public sealed unsafe class CpuQkvEpilogueKernelTests
{
    private const int BlockSize = 16;

    [Theory]
    [InlineData(14, 2, 64, 3, true, false, 1)]
    [InlineData(8, 4, 128, 2, false, true, 1)]
    [InlineData(4, 2, 36, 5, true, true, 1)]
    [InlineData(2, 1, 8, 4, false, false, 1)]
    [InlineData(3, 3, 6, 1, true, false, 1)]
    [InlineData(14, 2, 64, 16, true, false, 2)]
    [InlineData(4, 2, 36, 21, true, true, 2)]
    [InlineData(14, 2, 64, 3, true, false, 2)]
    public void Apply_EqualsTheSeparatePasses(int heads, int kvHeads, int headDim, int tokens, bool bias, bool norms, int threads) =>
        AssertEqualsTheSeparatePasses(heads, kvHeads, headDim, tokens, bias, norms, threads, KvCacheDType.Float32);

    [Theory]
    [InlineData(14, 2, 64, 3, true, false, 1)]
    [InlineData(4, 2, 36, 21, true, true, 2)]
    [InlineData(3, 3, 6, 1, true, false, 1)]
    public void Apply_IntoABfloat16Cache_EqualsTheSeparatePasses(int heads, int kvHeads, int headDim, int tokens, bool bias, bool norms, int threads) =>
        AssertEqualsTheSeparatePasses(heads, kvHeads, headDim, tokens, bias, norms, threads, KvCacheDType.BFloat16);

    private static void AssertEqualsTheSeparatePasses(int heads, int kvHeads, int headDim, int tokens, bool bias, bool norms, int threads, KvCacheDType dtype)
    {
        var random = new Random(heads * 1000 + headDim * 10 + tokens);
        int qWidth = heads * headDim, kvWidth = kvHeads * headDim, width = qWidth + 2 * kvWidth, half = headDim / 2;
        var qkv = Values(random, tokens * width, 3f);
        var weights = new QkvEpilogueWeights(
            bias ? Values(random, width, 1f) : null,
            norms ? Values(random, headDim, 2f) : null,
            norms ? Values(random, headDim, 2f) : null,
            1e-6f);
        var cos = Values(random, tokens * half, 1f);
        var sin = Values(random, tokens * half, 1f);
        int[] slots = Enumerable.Range(0, tokens).Select(i => i * 7 + 3).ToArray();
        int blocks = slots.Max() / BlockSize + 1;

        var query = new float[tokens * qWidth];
        var kv = new KvLayer(blocks, BlockSize, kvHeads, headDim, dtype);
        using var pool = new ComputeThreadPool(threads);
        var kernel = new CpuQkvEpilogueKernel(pool);
        kernel.Prepare(kv, slots);
        kernel.Apply(qkv, tokens, heads, weights, cos, sin, query, kv, slots);

        var expectedQuery = new float[tokens * qWidth];
        var expectedKv = new KvLayer(blocks, BlockSize, kvHeads, headDim, dtype);
        SeparatePasses(qkv.ToArray(), tokens, heads, weights, cos, sin, expectedQuery, expectedKv, slots);

        Assert.Equal(expectedQuery, query);
        foreach (int slot in slots)
        {
            for (int h = 0; h < kvHeads; h++)
            {
                Assert.Equal(Value(expectedKv, slot, h), Value(kv, slot, h));
                Assert.Equal(Key(expectedKv, slot, h), Key(kv, slot, h));
            }
        }

        Assert.NotEqual(qkv.AsSpan(0, qWidth).ToArray(), query.AsSpan(0, qWidth).ToArray());
    }

    [Fact]
    public void Apply_BiasOfAnotherWidth_IsRefusedNamingTheWeights()
    {
        var kv = new KvLayer(1, BlockSize, 1, 8);
        var weights = new QkvEpilogueWeights(new float[23], null, null, 1e-6f);

        var error = Assert.Throws<ArgumentException>(() =>
            new CpuQkvEpilogueKernel().Apply(new float[24], 1, 1, weights, new float[4], new float[4], new float[8], kv, [0]));

        Assert.Equal("weights", error.ParamName);
    }

    /// <summary>The decoder's passes before they were fused, kept here as the reference.</summary>
    private static void SeparatePasses(float[] qkv, int tokens, int heads, QkvEpilogueWeights weights, float[] cos, float[] sin, float[] query, KvLayer kv, int[] slots)
    {
        int d = kv.HeadDim, qWidth = heads * d, kvWidth = kv.NumKvHeads * d, width = qWidth + 2 * kvWidth;
        var key = new float[tokens * kvWidth];
        var value = new float[tokens * kvWidth];
        for (int t = 0; t < tokens; t++)
        {
            var row = qkv.AsSpan(t * width, width);
            if (weights.Bias is { } bias)
            {
                TensorPrimitives.Add(row, bias, row);
            }

            row[..qWidth].CopyTo(query.AsSpan(t * qWidth));
            row.Slice(qWidth, kvWidth).CopyTo(key.AsSpan(t * kvWidth));
            row.Slice(qWidth + kvWidth, kvWidth).CopyTo(value.AsSpan(t * kvWidth));
        }

        if (weights.QueryNorm is { } queryNorm)
        {
            new CpuRmsNormKernel().RmsNorm(query, queryNorm, weights.Eps, query);
            new CpuRmsNormKernel().RmsNorm(key, weights.KeyNorm!, weights.Eps, key);
        }

        Rotate(query, tokens, heads, d, cos, sin);
        Rotate(key, tokens, kv.NumKvHeads, d, cos, sin);
        for (int t = 0; t < tokens; t++)
        {
            kv.Write(slots[t], key.AsSpan(t * kvWidth, kvWidth), value.AsSpan(t * kvWidth, kvWidth));
        }
    }

    private static void Rotate(float[] x, int tokens, int heads, int headDim, float[] cos, float[] sin)
    {
        int half = headDim / 2;
        for (int t = 0; t < tokens; t++)
        {
            for (int h = 0; h < heads; h++)
            {
                int start = (t * heads + h) * headDim;
                for (int i = 0; i < half; i++)
                {
                    float x1 = x[start + i];
                    float x2 = x[start + i + half];
                    float c = cos[t * half + i], s = sin[t * half + i];
                    x[start + i] = x1 * c - x2 * s;
                    x[start + i + half] = x2 * c + x1 * s;
                }
            }
        }
    }

    /// <summary>A slot's key of one head, read from the transposed key columns.</summary>
    private static float[] Key(KvLayer kv, int slot, int kvHead)
    {
        var key = new float[kv.HeadDim];
        kv.ReadKey(slot, kvHead, key);
        return key;
    }

    private static float[] Value(KvLayer kv, int slot, int kvHead)
    {
        var value = new float[kv.HeadDim];
        kv.ReadValue(slot, kvHead, value);
        return value;
    }

    private static float[] Values(Random random, int count, float scale) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
}
