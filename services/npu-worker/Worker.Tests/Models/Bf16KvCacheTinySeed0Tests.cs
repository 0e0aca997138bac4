using Worker.Runtime;
using Worker.Runtime.Kv;
using Worker.Tests.Support;

namespace Worker.Tests.Models;

/// <summary>
/// The tiny seed-0 checkpoint with its KV cache in bfloat16 (--kv-cache-dtype bfloat16), against the same checkpoint
/// with the fp32 cache (the golden runner): every logit at the last prompt position and after the golden greedy
/// continuation, on the golden prompts, and the same greedy token at each.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class Bf16KvCacheTinySeed0Tests(TinyModelFixture fp32Cache) : IDisposable
{
    /// <summary>
    /// Measured max |logit_bf16kv - logit_fp32kv| over all 151936 logits of the 8 positions: 0.0064, the same on the AVX2
    /// and AVX-512 paths (top logits are about 2.5-3.1). Each cached key and value keeps 8 of fp32's 24 bits of mantissa
    /// (a relative error of at most 2^-9); the bound is about twice the measured error, far below what a misplaced or
    /// misread element leaves.
    /// </summary>
    private const float Tolerance = 0.015f;

    private readonly ModelRunner _bf16Cache = ModelRunner.Load(fp32Cache.ModelPath,
        new ModelRunnerOptions { NumBlocks = 64, Threads = 2, KvCacheDType = KvCacheDType.BFloat16 });

    public void Dispose() => _bf16Cache.Dispose();

    [Fact]
    public void GoldenPrompts_Bfloat16CacheLogits_StayWithinToleranceOfTheFp32Cache()
    {
        float worst = GoldenLogitsComparison.WorstDifference(fp32Cache.Runner, _bf16Cache,
            (expected, actual) => Assert.Equal(Array.IndexOf(expected, expected.Max()), Array.IndexOf(actual, actual.Max())));

        Assert.True(worst <= Tolerance, $"max |bf16 kv - fp32 kv| logit difference {worst} exceeds {Tolerance}");
        Assert.True(worst > 0, "the bfloat16 cache computed exactly the fp32 cache's logits: it cannot have rounded anything");
    }
}
