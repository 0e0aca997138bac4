using System.Numerics.Tensors;
using Inference.Abstractions.Execution;
using StructuredOutput = Inference.Abstractions.Generation.StructuredOutput;
using Worker.Tests.Support;
using static Worker.Tests.Support.EmbeddingModelFixture;

namespace Worker.Tests.Models;

/// <summary>What an embedding request's step answers: the last prompt token's final-normed hidden state, shortened and normalized as asked.</summary>
public sealed class EmbeddingValueTests(EmbeddingModelFixture model) : IClassFixture<EmbeddingModelFixture>
{
    /// <summary>fp32 sums of 64 products of order one, added in another order than the LM head kernel adds them (measured: 1.2e-7).</summary>
    private const float LogitTolerance = 1e-4f;

    [Fact]
    public async Task NotNormalized_IsTheHiddenStateTheLmHeadMultiplies()
    {
        var embedding = await Steps.Embed(model.Runner, Prompt, new PoolingParams(Normalize: false));
        var logits = model.Runner.ComputeLogits(Prompt);
        int best = Array.IndexOf(logits, logits.Max());
        int[] ids = [0, 1, 123, 500, VocabSize - 1, best];

        var dots = model.LmHeadDots(embedding, ids);

        Assert.Equal(HiddenSize, embedding.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            Assert.True(Math.Abs(logits[ids[i]] - dots[i]) <= LogitTolerance,
                $"logit {ids[i]}: {logits[ids[i]]}, dot with its LM head row {dots[i]}");
        }
    }

    [Fact]
    public async Task Normalized_HasUnitNormAndTheDirectionOfTheHiddenState()
    {
        var raw = await Steps.Embed(model.Runner, Prompt, new PoolingParams(Normalize: false));
        var normalized = await Steps.Embed(model.Runner, Prompt, new PoolingParams(Normalize: true));

        Assert.Equal(1f, TensorPrimitives.Norm<float>(normalized), 5);
        AssertClose(Divided(raw, TensorPrimitives.Norm<float>(raw)), normalized);
    }

    [Fact]
    public async Task Dimensions_KeepThePrefixAndNormalizeIt()
    {
        var raw = await Steps.Embed(model.Runner, Prompt, new PoolingParams(Normalize: false));
        var shortened = await Steps.Embed(model.Runner, Prompt, new PoolingParams(Normalize: false, Dimensions: 16));
        var shortNormalized = await Steps.Embed(model.Runner, Prompt, new PoolingParams(Normalize: true, Dimensions: 16));

        Assert.Equal(raw[..16], shortened);
        // Normalized after shortening: the prefix gets unit norm, not the whole vector.
        Assert.Equal(1f, TensorPrimitives.Norm<float>(shortNormalized), 5);
        AssertClose(Divided(raw[..16], TensorPrimitives.Norm<float>(raw.AsSpan(0, 16))), shortNormalized);
    }

    [Fact]
    public async Task Sampling_IsIgnored()
    {
        var plain = await Steps.Embed(model.Runner, Prompt, new PoolingParams(Normalize: false));
        // Prompt logprobs, a penalty over the prompt and a grammar would each act on a generation request.
        var sampling = new SamplingParams(Temperature: 0.7f, RepetitionPenalty: 1.5f, Logprobs: 2, PromptLogprobs: 3,
            StructuredOutput: new StructuredOutput.Regex("[a-z]+"));
        var request = Steps.EmbedRequest("ignored", Prompt, [0, 1, 2], Prompt.Length, new PoolingParams(Normalize: false)) with { Sampling = sampling };

        var result = await Steps.Run(model.Runner, Steps.Plan(0, [request]));
        await Steps.Run(model.Runner, Steps.Plan(1, finished: ["ignored"]));

        Assert.Null(result.PromptLogprobs);
        Assert.Empty(result.Sampled);
        Assert.Equal(plain, Assert.Single(result.Pooled ?? []).Embedding);
    }

    private static float[] Divided(float[] values, float by) => [.. values.Select(v => v / by)];

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f, $"value {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
