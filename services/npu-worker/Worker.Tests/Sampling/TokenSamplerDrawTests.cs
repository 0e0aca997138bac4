using System.Numerics.Tensors;
using Inference.Abstractions.Execution;
using Worker.Runtime.Ops;
using Worker.Runtime.Sampling;

namespace Worker.Tests.Sampling;

/// <summary>
/// The sampler's fast draws (partial sums per chunk, the one-pass selection of the best candidates, top-p from the best
/// few first) against the plain algorithm they replace: every positive weight a key, sorted, cut by top-k and top-p,
/// and a running sum walked id by id or in sorted order, both in double; the same seed, so the same tokens. Over a
/// full vocabulary of flat (uniform) and peaked logits (a few hundred tokens far above the rest, as a model's are).
/// </summary>
public sealed class TokenSamplerDrawTests
{
    private const int Vocab = 151936;

    public static TheoryData<bool, float, int, float> Cases() => new()
    {
        { false, 1f, 0, 1f },
        { true, 1f, 0, 1f },
        { false, 0.7f, 20, 0.8f },
        { true, 0.7f, 20, 0.8f },
        { true, 1f, 0, 0.9f },
        { true, 0.5f, 0, 0.95f },
        { false, 1f, 0, 0.3f },
        { false, 1f, 5000, 1f },
        { true, 1f, 4096, 0.99f },
        { true, 1.3f, 1, 1f },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Draws_MatchSortingEveryCandidate(bool peaked, float temperature, int topK, float topP)
    {
        var random = new Random(peaked ? 11 : 12);
        var logits = Enumerable.Range(0, Vocab).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        if (peaked)
        {
            for (int i = 0; i < 300; i++)
            {
                logits[random.Next(Vocab)] = 9f + (float)random.NextDouble() * 6;
            }
        }

        var p = new SamplingParams(Temperature: temperature, TopK: topK, TopP: topP, Seed: 5);
        var sampler = new TokenSampler(Vocab);
        var state = new SequenceSamplingState(p, [], []);
        var reference = new SplitMix64Random(5);
        var weights = Weights(logits, temperature);
        for (int draw = 0; draw < 40; draw++)
        {
            Assert.Equal(ReferenceDraw(weights, topK > 0 ? topK : Vocab, topP, reference), sampler.Sample(logits, state).TokenId);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(20, 2)]
    [InlineData(256, 3)]
    [InlineData(4096, 4)]
    [InlineData(4096, 5)]
    public void TopCandidates_WithTiesZerosAndNaN_AreTheBestKeysInOrder(int k, int seed)
    {
        var random = new Random(seed);
        int length = seed == 5 ? 3000 : 20011; // 5: fewer positive weights than k
        var weights = Enumerable.Range(0, length).Select(_ => (float)Math.Round(random.NextDouble(), 3)).ToArray();
        for (int i = 0; i < length / 10; i++)
        {
            weights[random.Next(length)] = random.Next(3) switch { 0 => 0f, 1 => float.NaN, _ => 0.999f };
        }

        var expected = weights.Select((w, id) => (w, id)).Where(c => c.w > 0).Select(c => CandidateOrder.Key(c.w, c.id)).Order().Take(k).ToArray();

        Assert.Equal(expected, new TopCandidates().Select(weights, k).ToArray());
    }

    [Theory]
    [InlineData(0, 0.9f)]
    [InlineData(20, 1f)]
    [InlineData(0, 1e-6f)]
    [InlineData(0, 1f)]
    public void BannedBestTokens_AreNeverDrawn_AndATinyTopPKeepsTheBestAllowedOne(int topK, float topP)
    {
        var random = new Random(21);
        var logits = Enumerable.Range(0, Vocab).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        int[] banned = [7, 70000, 151935];
        foreach (int id in banned)
        {
            logits[id] = 30f;
        }

        logits[1234] = 12f;
        var state = new SequenceSamplingState(new SamplingParams(Temperature: 1f, TopK: topK, TopP: topP, Seed: 3, BannedTokenIds: banned), [], []);
        var sampler = new TokenSampler(Vocab);

        var drawn = Enumerable.Range(0, 30).Select(_ => sampler.Sample(logits, state).TokenId).ToArray();

        Assert.DoesNotContain(drawn, banned.Contains);
        if (topP < 1e-3f)
        {
            Assert.All(drawn, id => Assert.Equal(1234, id));
        }
    }

    /// <summary>
    /// The weights the sampler's Draw chooses from (exp((logits - max) / T), <see cref="TokenSampler.DrawWeights"/>):
    /// these tests check the choosing, so both sides start from the same weights.
    /// </summary>
    private static float[] Weights(float[] logits, float temperature)
    {
        var weights = new float[logits.Length];
        TokenSampler.DrawWeights(logits, temperature, weights, CpuIsaSelection.Selected);
        return weights;
    }

    private static int ReferenceDraw(float[] weights, int topK, float topP, SplitMix64Random random)
    {
        if (topK >= weights.Length && topP >= 1)
        {
            double total = weights.Where(w => w > 0).Sum(w => (double)w);
            double target = random.NextDouble() * total;
            double cumulative = 0;
            for (int i = 0; i < weights.Length; i++)
            {
                if (weights[i] > 0 && (cumulative += weights[i]) > target)
                {
                    return i;
                }
            }

            return Array.FindLastIndex(weights, w => w > 0);
        }

        var sorted = weights.Select((w, id) => (w, id)).Where(c => c.w > 0).Select(c => CandidateOrder.Key(c.w, c.id)).Order().Take(topK).ToArray();
        double kept = sorted.Sum(k => (double)CandidateOrder.Weight(k));
        int count = sorted.Length;
        if (topP < 1)
        {
            double cumulative = 0;
            for (int i = 0; i < sorted.Length; i++)
            {
                cumulative += CandidateOrder.Weight(sorted[i]);
                if (cumulative >= topP * kept)
                {
                    count = i + 1;
                    kept = cumulative;
                    break;
                }
            }
        }

        double goal = random.NextDouble() * kept;
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            sum += CandidateOrder.Weight(sorted[i]);
            if (sum > goal)
            {
                return CandidateOrder.Id(sorted[i]);
            }
        }

        return CandidateOrder.Id(sorted[count - 1]);
    }
}
