using System.Numerics.Tensors;
using Inference.Abstractions.Execution;
using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Tests.Support;
using static Worker.Tests.Support.EmbeddingModelFixture;

namespace Worker.Tests.Models;

/// <summary>
/// What each sentence-transformers pooling mode answers, against an independent reference: in a causal model the
/// final-normed hidden state at position i is the last-token embedding of the prompt's first i + 1 tokens, so the
/// last-token runner of the same checkpoint, run on every prefix, gives h_1 .. h_n to pool by hand.
/// </summary>
public sealed class PoolingModeValueTests(EmbeddingModelFixture lastToken) : IClassFixture<EmbeddingModelFixture>
{
    /// <summary>A position's hidden state from a prefill of the whole prompt against the same position as the last
    /// token of a shorter one: other batch shapes, other kernel paths, fp32 sums of order one (measured: at most 1.3e-6,
    /// on a value near 2).</summary>
    private const float Tolerance = 1e-4f;

    private static readonly PoolingParams Raw = new(Normalize: false);

    [Theory]
    [InlineData(PoolingMode.Mean)]
    [InlineData(PoolingMode.Cls)]
    [InlineData(PoolingMode.Max)]
    [InlineData(PoolingMode.MeanSqrtLength)]
    [InlineData(PoolingMode.WeightedMean)]
    [InlineData(PoolingMode.LastToken)]
    public async Task EachMode_PoolsThePrefixHiddenStates(PoolingMode mode)
    {
        var hidden = await PrefixHiddenStates();
        using var model = new TemporaryDirectory();
        using var runner = LoadLayout(model.Path, mode);

        var embedding = await Steps.Embed(runner, Prompt, Raw);

        AssertClose(Pool(mode, hidden), embedding);
    }

    [Theory]
    [InlineData(PoolingMode.Mean)]
    [InlineData(PoolingMode.Cls)]
    [InlineData(PoolingMode.Max)]
    [InlineData(PoolingMode.WeightedMean)]
    public async Task PromptInChunks_PoolsAsOneStep(PoolingMode mode)
    {
        using var model = new TemporaryDirectory();
        using var runner = LoadLayout(model.Path, mode);
        var whole = await Steps.Embed(runner, Prompt, Raw);

        // 11 tokens over three steps (4, 4, 3): the first two compute a chunk and answer nothing.
        var blocks = Enumerable.Range(0, 3).ToArray();
        var first = await Steps.Run(runner, Steps.Plan(0, [Steps.EmbedRequest("chunked", Prompt, blocks, 4, Raw)]));
        var second = await Steps.Run(runner, Steps.Plan(1, cached: [new CachedRequestData("chunked", [], 4, 4)]));
        var third = await Steps.Run(runner, Steps.Plan(2, cached: [new CachedRequestData("chunked", [], 8, 3)]));
        await Steps.Run(runner, Steps.Plan(3, finished: ["chunked"]));

        Assert.Null(first.Pooled);
        Assert.Null(second.Pooled);
        AssertClose(whole, Assert.Single(third.Pooled ?? []).Embedding);
    }

    [Fact]
    public async Task DenseLayer_ProjectsThePooledVectorThenNormalizes()
    {
        var hidden = await PrefixHiddenStates();
        using var model = new TemporaryDirectory();
        using var runner = LoadLayout(model.Path, PoolingMode.Mean, denseFeatures: 24);
        var (weight, bias) = SentenceTransformersLayout.WriteDense(
            Path.Combine(model.Path, "expected"), HiddenSize, 24, seed: 21);
        var mean = Pool(PoolingMode.Mean, hidden);
        var projected = Enumerable.Range(0, 24)
            .Select(o => TensorPrimitives.Dot<float>(weight.AsSpan(o * HiddenSize, HiddenSize), mean) + bias[o]).ToArray();

        var raw = await Steps.Embed(runner, Prompt, Raw);
        var normalized = await Steps.Embed(runner, Prompt, new PoolingParams(Normalize: true, Dimensions: 8));

        AssertClose(projected, raw);
        var prefix = projected[..8];
        AssertClose([.. prefix.Select(v => v / TensorPrimitives.Norm<float>(prefix))], normalized);
    }

    [Fact]
    public async Task MeanPooling_RefusesAPromptWithComputedTokens()
    {
        using var model = new TemporaryDirectory();
        using var runner = LoadLayout(model.Path, PoolingMode.Mean);
        var plan = Steps.Plan(0, [Steps.EmbedRequest("cached", Prompt, [0, 1, 2], Prompt.Length - 4, Raw, computed: 4)]);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Steps.Run(runner, plan));

        Assert.Contains("num_computed_tokens is 4, but Mean pooling reads every prompt position", error.Message);
        Assert.Equal(0, runner.NumRequests);
    }

    /// <summary>The same checkpoint as the fixture's, laid out with the given Pooling module (and Dense module).</summary>
    private static ModelRunner LoadLayout(string directory, PoolingMode mode, int? denseFeatures = null)
    {
        RandomCheckpointWriter.Write(directory,
            new RandomModelSpec(HiddenSize, 128, 2, 4, 2, TieWordEmbeddings: false, Std: 0.08, Seed: 21, VocabSize: VocabSize));
        SentenceTransformersLayout.Write(directory, HiddenSize, mode, denseFeatures, seed: 21);
        return ModelRunner.Load(directory, Options);
    }

    /// <summary>h_1 .. h_n: the last-token embedding (not normalized) of each prefix of the prompt.</summary>
    private async Task<float[][]> PrefixHiddenStates()
    {
        var hidden = new float[Prompt.Length][];
        for (int n = 1; n <= Prompt.Length; n++)
        {
            hidden[n - 1] = await Steps.Embed(lastToken.Runner, Prompt[..n], Raw);
        }

        return hidden;
    }

    /// <summary>sentence-transformers' Pooling module over h_1 .. h_n, written out per mode.</summary>
    private static float[] Pool(PoolingMode mode, float[][] hidden)
    {
        int n = hidden.Length;
        return [.. Enumerable.Range(0, HiddenSize).Select(d => mode switch
        {
            PoolingMode.LastToken => hidden[^1][d],
            PoolingMode.Cls => hidden[0][d],
            PoolingMode.Mean => hidden.Sum(h => (double)h[d]) / n,
            PoolingMode.Max => hidden.Max(h => h[d]),
            PoolingMode.MeanSqrtLength => hidden.Sum(h => (double)h[d]) / Math.Sqrt(n),
            _ => hidden.Select((h, i) => (i + 1) * (double)h[d]).Sum() / (n * (n + 1) / 2.0),
        }).Select(v => (float)v)];
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
