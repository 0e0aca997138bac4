using Inference.Abstractions.Execution;
using Worker.Runtime.Sampling;

namespace Worker.Tests.Sampling;

/// <summary>The vectorized greedy, logprob and top-k paths on a full-size vocabulary, against plain scalar references.</summary>
public sealed class TokenSamplerVocabularyTests
{
    private const int Vocab = 151936;

    [Theory]
    [InlineData(Vocab, 1)]
    [InlineData(1003, 2)]
    [InlineData(17, 3)]
    public void ArgMax_RandomLogitsWithPlantedTies_MatchesScalarFirstMaximum(int length, int seed)
    {
        var random = new Random(seed);
        var logits = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() * 10).ToArray();
        logits[length / 2] = 11f;
        logits[length - 1] = 11f;
        logits[length / 3] = 11f;

        Assert.Equal(ScalarArgMax(logits), TokenSampler.ArgMax(logits));
    }

    [Fact]
    public void ArgMax_MaximumInTheTail_FindsIt()
    {
        var logits = new float[1003];
        logits[1001] = 1f;

        Assert.Equal(1001, TokenSampler.ArgMax(logits));
    }

    [Fact]
    public void ArgMax_NaNAfterTheFirst_IsIgnored()
    {
        var logits = new float[100];
        logits[10] = float.NaN;
        logits[50] = 2f;

        Assert.Equal(50, TokenSampler.ArgMax(logits));
    }

    [Fact]
    public void ArgMax_NegativeZeroBeforePositiveZero_PicksTheFirst()
    {
        var logits = Enumerable.Repeat(-1f, 64).ToArray();
        logits[20] = -0f;
        logits[30] = 0f;

        Assert.Equal(20, TokenSampler.ArgMax(logits));
    }

    [Fact]
    public void Logprob_FullVocabulary_MatchesDoublePrecisionLogSoftmax()
    {
        var random = new Random(4);
        var logits = Enumerable.Range(0, Vocab).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
        var output = new TokenSampler(Vocab).Sample(logits, new SequenceSamplingState(SamplingParams.Greedy, [], []));

        double max = logits.Max();
        double logSumExp = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
        Assert.Equal(logits[output.TokenId] - logSumExp, output.Logprob, 5);
    }

    [Fact]
    public void TopK_FullVocabulary_DrawsOnlyAmongTheKBest()
    {
        var random = new Random(5);
        var logits = Enumerable.Range(0, Vocab).Select(_ => (float)random.NextDouble()).ToArray();
        var best = logits.Select((l, id) => (l, id)).OrderByDescending(p => p.l).Take(20).Select(p => p.id).ToHashSet();
        var sampler = new TokenSampler(Vocab);
        var state = new SequenceSamplingState(new SamplingParams(Temperature: 1f, TopK: 20, Seed: 9), [], []);

        var seen = Enumerable.Range(0, 100).Select(_ => sampler.Sample(logits, state).TokenId).ToHashSet();

        Assert.Subset(best, seen);
        Assert.True(seen.Count > 5, $"100 draws over 20 near-equal candidates hit only {seen.Count}");
    }

    private static int ScalarArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
