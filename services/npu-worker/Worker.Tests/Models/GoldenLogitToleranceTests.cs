using System.Text.Json;
using Worker.Runtime;
using Worker.Runtime.Kv;
using Worker.Runtime.Ops.Quantization;
using Worker.Tests.Support;

namespace Worker.Tests.Models;

/// <summary>
/// Options that change the arithmetic within a stated tolerance, each held to the golden runner of the tiny seed-0
/// checkpoint (BF16 weights, fp32 KV cache): every logit at the last position of each golden prompt and of the prompt
/// followed by its golden greedy continuation.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class GoldenLogitToleranceTests(TinyModelFixture golden)
{
    /// <summary>
    /// Q8_0 weights, quantized at load. Measured max |logit_q8 - logit_bf16| over all 151936 logits of the 8 positions:
    /// 0.0549, the same on the AVX2 and AVX-512 paths (top logits are about 2.5-3.1). Q8_0 rounds each weight and
    /// activation to 1/254 of its block's max; the bound is about twice the measured error, far below what a wrong
    /// block, scale or sign leaves.
    /// </summary>
    private const float Q8_0Tolerance = 0.1f;

    /// <summary>
    /// A bfloat16 KV cache. Measured max |logit_bf16kv - logit_fp32kv|: 0.0064, the same on both paths, with the same
    /// greedy token at every position. Each cached key and value keeps 8 of fp32's 24 bits of mantissa (a relative error
    /// of at most 2^-9); the bound is about twice the measured error, far below what a misplaced or misread element leaves.
    /// </summary>
    private const float Bfloat16KvCacheTolerance = 0.015f;

    [Fact]
    public void Q8_0Weights_StayWithinToleranceOfBf16()
    {
        using var q8 = ModelRunner.Load(golden.ModelPath, new ModelRunnerOptions { NumBlocks = 64, Threads = 2, Quantization = WeightQuantization.Q8_0 });

        float worst = WorstDifference(golden.Runner, q8, sameGreedyToken: false);

        Assert.True(worst <= Q8_0Tolerance, $"max |q8_0 - bf16| logit difference {worst} exceeds {Q8_0Tolerance}");
    }

    [Fact]
    public void Bfloat16KvCache_StaysWithinToleranceOfTheFp32Cache_WithTheSameGreedyTokens()
    {
        using var bf16Cache = ModelRunner.Load(golden.ModelPath, new ModelRunnerOptions { NumBlocks = 64, Threads = 2, KvCacheDType = KvCacheDType.BFloat16 });

        float worst = WorstDifference(golden.Runner, bf16Cache, sameGreedyToken: true);

        Assert.True(worst <= Bfloat16KvCacheTolerance, $"max |bf16 kv - fp32 kv| logit difference {worst} exceeds {Bfloat16KvCacheTolerance}");
        Assert.True(worst > 0, "the bfloat16 cache computed exactly the fp32 cache's logits: it cannot have rounded anything");
    }

    /// <summary>The largest |actual - expected| over every logit of every input; with sameGreedyToken, each input's argmax must agree.</summary>
    private static float WorstDifference(ModelRunner expected, ModelRunner actual, bool sameGreedyToken)
    {
        float worst = 0;
        foreach (var input in Inputs())
        {
            var expectedLogits = expected.ComputeLogits(input);
            var actualLogits = actual.ComputeLogits(input);
            for (int i = 0; i < expectedLogits.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(actualLogits[i] - expectedLogits[i]));
            }

            if (sameGreedyToken)
            {
                Assert.Equal(Array.IndexOf(expectedLogits, expectedLogits.Max()), Array.IndexOf(actualLogits, actualLogits.Max()));
            }
        }

        return worst;
    }

    private static IEnumerable<int[]> Inputs()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.Fixture("golden-tiny-seed0.json")));
        foreach (var golden in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            var prompt = Ids(golden, "prompt_ids");
            yield return prompt;
            yield return [.. prompt, .. Ids(golden, "greedy")];
        }
    }

    private static int[] Ids(JsonElement golden, string name) => golden.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
