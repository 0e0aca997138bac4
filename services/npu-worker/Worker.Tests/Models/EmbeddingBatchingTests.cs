using Inference.Abstractions.Execution;
using Worker.Runtime;
using Worker.Runtime.Ops.Quantization;
using Worker.Tests.Support;
using static Worker.Tests.Support.EmbeddingModelFixture;

namespace Worker.Tests.Models;

/// <summary>
/// However the scheduler splits a prompt to embed (chunks over steps, prefix-cache hits) or batches it (beside
/// generation requests), its embedding is the one a single pass computes; and quantized weights embed too.
/// </summary>
public sealed class EmbeddingBatchingTests(EmbeddingModelFixture model) : IClassFixture<EmbeddingModelFixture>
{
    /// <summary>As <see cref="BatchingConsistencyTests"/>: other row counts may take other kernels, which add in another order.</summary>
    private const float Tolerance = 1e-4f;

    private static readonly PoolingParams Raw = new(Normalize: false);
    private static readonly SamplingParams Sampling = new(Logprobs: 5);

    [Fact]
    public async Task ChunkedOverTwoSteps_MatchesOnePass()
    {
        var onePass = await Steps.Embed(model.Runner, Prompt, Raw);

        var first = await Steps.Run(model.Runner, Steps.Plan(0, [Steps.EmbedRequest("chunked", Prompt, [4, 5], 6, Raw)]));
        var second = await Steps.Run(model.Runner, Steps.Plan(1, cached: [new CachedRequestData("chunked", [6], 6, 5)]));
        await Steps.Run(model.Runner, Steps.Plan(2, finished: ["chunked"]));

        Assert.Null(first.Pooled);
        Assert.Empty(first.Sampled);
        Assert.Empty(second.Sampled);
        AssertClose(onePass, Assert.Single(second.Pooled ?? []).Embedding);
    }

    [Fact]
    public async Task AfterPrefixCacheHits_MatchesOnePass()
    {
        var onePass = await Steps.Embed(model.Runner, Prompt, Raw);

        // A generation request fills blocks 8, 9, 10; the embedding request finds the first two full blocks cached.
        await Steps.Run(model.Runner, Steps.Plan(0, [Steps.NewRequest("writer", Prompt, [8, 9, 10], Prompt.Length)]));
        await Steps.Run(model.Runner, Steps.Plan(1, finished: ["writer"]));
        var hit = await Steps.Run(model.Runner, Steps.Plan(2, [Steps.EmbedRequest("hit", Prompt, [8, 9, 10], 3, Raw, computed: 8)]));
        await Steps.Run(model.Runner, Steps.Plan(3, finished: ["hit"]));

        Assert.Equal(3, hit.NumTokens);
        AssertClose(onePass, Assert.Single(hit.Pooled ?? []).Embedding);
    }

    [Fact]
    public async Task BesideADecode_BothMatchTheirRunsAlone()
    {
        int[] other = [.. Prompt.Reverse()];
        var embeddingAlone = await Steps.Embed(model.Runner, Prompt, Raw);
        var generatedAlone = await Steps.Generate(model.Runner, other, 2, Sampling);

        // The generation request decodes in the step after its prefill, beside the embedding request's whole prompt.
        await Steps.Run(model.Runner, Steps.Plan(0, [Steps.NewRequest("gen", other, [0, 1, 2], other.Length, Sampling)]));
        var mixed = await Steps.Run(model.Runner, Steps.Plan(1,
            [Steps.EmbedRequest("emb", Prompt, [12, 13, 14], Prompt.Length, Raw)],
            [new CachedRequestData("gen", [], other.Length, 1)]));
        await Steps.Run(model.Runner, Steps.Plan(2, finished: ["gen", "emb"]));

        Assert.Equal(Prompt.Length + 1, mixed.NumTokens);
        AssertSameToken(generatedAlone[1], Assert.Single(mixed.Sampled));
        var pooled = Assert.Single(mixed.Pooled ?? []);
        Assert.Equal("emb", pooled.RequestId);
        AssertClose(embeddingAlone, pooled.Embedding);
    }

    [Fact]
    public async Task BesideAPrefill_BothMatchTheirRunsAlone()
    {
        int[] other = [.. Prompt.Reverse()];
        var embeddingAlone = await Steps.Embed(model.Runner, Prompt, Raw);
        var generatedAlone = await Steps.Generate(model.Runner, other, 1, Sampling);

        var mixed = await Steps.Run(model.Runner, Steps.Plan(0,
        [
            Steps.NewRequest("gen", other, [0, 1, 2], other.Length, Sampling),
            Steps.EmbedRequest("emb", Prompt, [12, 13, 14], Prompt.Length, Raw),
        ]));
        await Steps.Run(model.Runner, Steps.Plan(1, finished: ["gen", "emb"]));

        AssertSameToken(generatedAlone[0], Assert.Single(mixed.Sampled));
        AssertClose(embeddingAlone, Assert.Single(mixed.Pooled ?? []).Embedding);
    }

    /// <summary>
    /// Q8_0 rounds every weight and activation to 1/254 of its block's max, so the embedding moves a little: measured
    /// on this checkpoint, the largest difference of a normalized value (about ±0.1 to ±0.3 here) was 0.0044. The bound
    /// is about twice that, far below what a wrong row, scale or norm leaves.
    /// </summary>
    [Fact]
    public async Task Q8_0_EmbedsCloseToBf16()
    {
        var normalized = new PoolingParams(Normalize: true);
        var bf16 = await Steps.Embed(model.Runner, Prompt, normalized);
        using var q8 = ModelRunner.Load(model.ModelPath, Options with { Quantization = WeightQuantization.Q8_0 });

        var quantized = await Steps.Embed(q8, Prompt, normalized);

        float worst = bf16.Zip(quantized).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(worst <= 0.01f, $"max |q8_0 - bf16| of a normalized embedding value is {worst}");
    }

    private static void AssertSameToken(SampledToken expected, SampledToken actual)
    {
        Assert.Equal(expected.TokenId, actual.TokenId);
        Assert.Equal(expected.TopLogprobs.Select(t => t.TokenId), actual.TopLogprobs.Select(t => t.TokenId));
        foreach (var (e, a) in expected.TopLogprobs.Zip(actual.TopLogprobs))
        {
            Assert.True(Math.Abs(e.Logprob - a.Logprob) <= Tolerance, $"logprob of {e.TokenId}: {e.Logprob} vs {a.Logprob}");
        }
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"value {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
