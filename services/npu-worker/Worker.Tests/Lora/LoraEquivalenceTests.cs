using Inference.Abstractions.Execution;
using Worker.Tests.Support;

namespace Worker.Tests.Lora;

/// <summary>
/// The base model run with an adapter computes what the merged checkpoint (W + scale * B A, in F32) computes: the
/// same logits at a prefill and at every decode step, for all seven projections and for a subset.
/// </summary>
public abstract class LoraEquivalenceTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : LoraModelFixture
{
    /// <summary>
    /// Both paths round differently (the base's BF16 weights times x plus the fp32 delta, against the merged F32
    /// weights times x): logits of size ~2 agreed to ~1.5e-6 when written; the adapters move them by ~1-2.
    /// </summary>
    private const float Tolerance = 1e-4f;

    private static readonly int[] Prompt = [5, 17, 300, 42, 42, 7, 211, 0, 99, 123, 64];

    [Theory]
    [InlineData(LoraModelFixture.AllLinear)]
    [InlineData(LoraModelFixture.Subset)]
    [InlineData(LoraModelFixture.RsLora)]
    public void PrefillLogits_WithAdapter_MatchMergedCheckpoint(string adapter)
    {
        var withAdapter = fixture.Runner.ComputeLogits(Prompt, adapter);
        var merged = fixture.Merged(adapter).ComputeLogits(Prompt);
        AssertClose(merged, withAdapter, Tolerance, $"prefill with {adapter}");
    }

    [Theory]
    [InlineData(LoraModelFixture.AllLinear)]
    [InlineData(LoraModelFixture.Subset)]
    [InlineData(LoraModelFixture.RsLora)]
    public void PrefillLogits_WithAdapter_DifferFromBase(string adapter)
    {
        var withAdapter = fixture.Runner.ComputeLogits(Prompt, adapter);
        var baseLogits = fixture.Runner.ComputeLogits(Prompt);
        float largest = withAdapter.Zip(baseLogits).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(largest > 1000 * Tolerance, $"the adapter moves no logit by more than {largest}: the equivalence tests would prove nothing");
    }

    [Theory]
    [InlineData(LoraModelFixture.AllLinear)]
    [InlineData(LoraModelFixture.Subset)]
    [InlineData(LoraModelFixture.RsLora)]
    public async Task DecodeSteps_WithAdapter_MatchMergedCheckpoint(string adapter)
    {
        // Logprobs of the whole vocabulary at each step: the logits up to one constant per row.
        var sampling = new SamplingParams(Logprobs: fixture.Spec.VocabSize);
        var withAdapter = await Steps.Generate(fixture.Runner, Prompt, 6, sampling, lora: adapter);
        var merged = await Steps.Generate(fixture.Merged(adapter), Prompt, 6, sampling);
        Assert.Equal(merged.Select(s => s.TokenId), withAdapter.Select(s => s.TokenId));
        for (int step = 0; step < merged.Count; step++)
        {
            AssertClose(ByToken(merged[step]), ByToken(withAdapter[step]), Tolerance, $"decode step {step} with {adapter}");
        }
    }

    private float[] ByToken(SampledToken token)
    {
        var logprobs = new float[fixture.Spec.VocabSize];
        foreach (var entry in token.TopLogprobs)
        {
            logprobs[entry.TokenId] = entry.Logprob;
        }

        return logprobs;
    }

    internal static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, float tolerance, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        int worst = 0;
        float largest = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            float difference = Math.Abs(expected[i] - actual[i]);
            if (!(difference <= largest))
            {
                (largest, worst) = (difference, i);
            }
        }

        Assert.True(largest <= tolerance, $"{what}: index {worst} is {actual[worst]}, expected {expected[worst]} (tolerance {tolerance})");
    }
}

public sealed class Qwen2LoraEquivalenceTests(Qwen2LoraFixture fixture) : LoraEquivalenceTests<Qwen2LoraFixture>(fixture);

public sealed class Qwen3LoraEquivalenceTests(Qwen3LoraFixture fixture) : LoraEquivalenceTests<Qwen3LoraFixture>(fixture);
