using Worker.Runtime.Checkpoints;
using Worker.Runtime.Kv;
using Worker.Runtime.Ops;

namespace Worker.Tests.Kv;

/// <summary>
/// The KV cache's element types: a bfloat16 layer stores each key and value rounded to nearest-even and reads back
/// exactly that, in half the bytes of fp32, so a budget holds twice the blocks; the option names are vLLM's.
/// </summary>
public sealed class KvCacheDTypeTests
{
    [Theory]
    [InlineData(KvCacheDType.Float32)]
    [InlineData(KvCacheDType.BFloat16)]
    public void Layer_ReadsBackWhatItStored_RoundedToItsElementType(KvCacheDType dtype)
    {
        const int blockSize = 16, kvHeads = 2, headDim = 8;
        var kv = new KvLayer(numBlocks: 3, blockSize, kvHeads, headDim, dtype);
        var random = new Random(5);
        // Values between representable bfloat16 numbers, ties to even included (1 + 2^-8 rounds down to 1, 1 + 3 * 2^-8 up).
        float[] key = [.. Enumerable.Range(0, kvHeads * headDim).Select(_ => (float)(random.NextDouble() * 20 - 10))];
        float[] value = [.. Enumerable.Range(0, kvHeads * headDim).Select(_ => (float)(random.NextDouble() * 20 - 10))];
        key[0] = 1f + 1f / 256;
        key[1] = 1f + 3f / 256;
        value[0] = -(1f + 1f / 256);

        foreach (int slot in new[] { 0, 17, 47 })
        {
            kv.Write(slot, key, value);
            for (int h = 0; h < kvHeads; h++)
            {
                var readKey = new float[headDim];
                var readValue = new float[headDim];
                kv.ReadKey(slot, h, readKey);
                kv.ReadValue(slot, h, readValue);
                Assert.Equal(Stored(key.AsSpan(h * headDim, headDim), dtype), readKey);
                Assert.Equal(Stored(value.AsSpan(h * headDim, headDim), dtype), readValue);
            }
        }

        if (dtype == KvCacheDType.BFloat16)
        {
            var first = new float[headDim];
            kv.ReadKey(0, 0, first);
            Assert.Equal(1f, first[0]);
            Assert.Equal(1f + 4f / 256, first[1]);
        }
    }

    [Fact]
    public void Bfloat16_TakesHalfTheBytes_SoABudgetHoldsTwiceTheBlocks()
    {
        long fp32 = PagedKvCache.BytesPerBlock(24, 16, 2, 64, KvCacheDType.Float32);
        long bf16 = PagedKvCache.BytesPerBlock(24, 16, 2, 64, KvCacheDType.BFloat16);

        Assert.Equal(2L * 24 * 16 * 2 * 64 * sizeof(float), fp32);
        Assert.Equal(fp32 / 2, bf16);
        Assert.Equal(
            2 * PagedKvCache.BlocksForBudget(512L << 20, 24, 16, 2, 64, KvCacheDType.Float32),
            PagedKvCache.BlocksForBudget(512L << 20, 24, 16, 2, 64, KvCacheDType.BFloat16));
        Assert.Equal(KvLayer.Bytes(100, 16, 2, 64, KvCacheDType.Float32) / 2, KvLayer.Bytes(100, 16, 2, 64, KvCacheDType.BFloat16));
    }

    [Theory]
    [InlineData("auto", KvCacheDType.Float32)]
    [InlineData("", KvCacheDType.Float32)]
    [InlineData(null, KvCacheDType.Float32)]
    [InlineData("bfloat16", KvCacheDType.BFloat16)]
    [InlineData("BFloat16", KvCacheDType.BFloat16)]
    public void Names_AreVllms(string? text, KvCacheDType expected)
    {
        Assert.True(KvCacheDTypeNames.TryParse(text, out var dtype));
        Assert.Equal(expected, dtype);
    }

    [Theory]
    [InlineData("fp8")]
    [InlineData("fp8_e4m3")]
    [InlineData("float16")]
    [InlineData("bf16")]
    public void Names_OthersAreRefused(string text) => Assert.False(KvCacheDTypeNames.TryParse(text, out _));

    private static float[] Stored(ReadOnlySpan<float> values, KvCacheDType dtype)
    {
        var stored = values.ToArray();
        if (dtype == KvCacheDType.BFloat16)
        {
            for (int i = 0; i < stored.Length; i++)
            {
                stored[i] = BFloat16.ToSingle(BFloat16.FromSingle(stored[i]));
            }
        }

        return stored;
    }
}
