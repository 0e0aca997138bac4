using System.Text.Json;
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
        float worst = 0;
        foreach (var golden in LoadCases())
        {
            var prompt = Ids(golden, "prompt_ids");
            var continued = prompt.Concat(Ids(golden, "greedy")).ToArray();
            foreach (var input in new[] { prompt, continued })
            {
                var expected = fp32Cache.Runner.ComputeLogits(input);
                var actual = _bf16Cache.ComputeLogits(input);
                for (int i = 0; i < expected.Length; i++)
                {
                    worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
                }

                Assert.Equal(ArgMax(expected), ArgMax(actual));
            }
        }

        Assert.True(worst <= Tolerance, $"max |bf16 kv - fp32 kv| logit difference {worst} exceeds {Tolerance}");
        Assert.True(worst > 0, "the bfloat16 cache computed exactly the fp32 cache's logits: it cannot have rounded anything");
    }

    private static int ArgMax(float[] logits) => Array.IndexOf(logits, logits.Max());

    private static int[] Ids(JsonElement golden, string name) => golden.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static IReadOnlyList<JsonElement> LoadCases()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.Fixture("golden-tiny-seed0.json")));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToList();
    }
}
