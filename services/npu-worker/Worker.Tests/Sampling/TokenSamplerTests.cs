using Inference.Abstractions.Execution;
using Worker.Runtime.Sampling;

namespace Worker.Tests.Sampling;

public sealed class TokenSamplerTests
{
    private static SamplerOutput Sample(float[] logits, SamplingParams p, int[]? prompt = null, int[]? output = null) =>
        new TokenSampler(logits.Length).Sample(logits, new SequenceSamplingState(p, prompt ?? [], output ?? []));

    [Fact]
    public void Greedy_Ties_PickLowestId()
    {
        Assert.Equal(1, Sample([0f, 5f, 5f, 1f], SamplingParams.Greedy).TokenId);
    }

    [Fact]
    public void Logprob_IsUnderRawLogits_EvenWithTemperature()
    {
        float[] logits = [0f, MathF.Log(3f)];
        var output = Sample(logits, new SamplingParams(Temperature: 0.5f, TopK: 1, Seed: 1, Logprobs: 2));
        Assert.Equal(1, output.TokenId);
        Assert.Equal(MathF.Log(0.75f), output.Logprob, 5);
        Assert.Equal([1, 0], output.TopLogprobs.Select(t => t.TokenId));
        Assert.Equal(MathF.Log(0.25f), output.TopLogprobs[1].Logprob, 5);
    }

    [Fact]
    public void BannedIds_AreNeverChosen()
    {
        var output = Sample([0f, 9f, 1f], new SamplingParams(BannedTokenIds: [1]));
        Assert.Equal(2, output.TokenId);
    }

    [Fact]
    public void LogitBias_OfOneHundred_ForcesThatToken()
    {
        var output = Sample([0f, 9f, 1f], new SamplingParams(LogitBias: new Dictionary<int, float> { [2] = 100f }, Logprobs: 1));

        Assert.Equal(2, output.TokenId);
        Assert.Equal(1, output.TopLogprobs[0].TokenId); // logprobs stay those of the unbiased logits
    }

    [Fact]
    public void LogitBias_OfMinusOneHundred_BansThatToken()
    {
        Assert.Equal(2, Sample([0f, 9f, 1f], new SamplingParams(LogitBias: new Dictionary<int, float> { [1] = -100f })).TokenId);
    }

    [Fact]
    public void AllowedTokenIds_OnlyThoseCanBeChosen()
    {
        var p = new SamplingParams(Temperature: 1f, Seed: 3, AllowedTokenIds: [0, 3]);

        var drawn = Enumerable.Range(0, 50).Select(_ => Sample([0f, 9f, 8f, 1f], p).TokenId).Distinct();

        Assert.All(drawn, id => Assert.Contains(id, new[] { 0, 3 }));
        Assert.Equal(3, Sample([0f, 9f, 8f, 1f], new SamplingParams(AllowedTokenIds: [0, 3])).TokenId);
    }

    [Fact]
    public void RepetitionPenalty_CountsPromptTokens()
    {
        // 3 / 2 = 1.5 < 2: the prompt token loses to token 2.
        Assert.Equal(2, Sample([3f, 1f, 2f], new SamplingParams(RepetitionPenalty: 2f), prompt: [0]).TokenId);
    }

    [Fact]
    public void FrequencyAndPresencePenalties_CountOutputTokensOnly()
    {
        var p = new SamplingParams(FrequencyPenalty: 0.5f, PresencePenalty: 0.25f);
        Assert.Equal(0, Sample([3f, 2f], p, prompt: [0, 0, 0]).TokenId);
        // Two outputs of token 0: 3 - 2 * 0.5 - 0.25 = 1.75 < 2.
        Assert.Equal(1, Sample([3f, 2f], p, output: [0, 0]).TokenId);
    }

    [Fact]
    public void TopP_KeepsOnlyTheNucleus()
    {
        float[] logits = [5f, 0f, 0f, 0f]; // token 0 holds ~95% of the mass
        var sampler = new TokenSampler(logits.Length);
        var state = new SequenceSamplingState(new SamplingParams(Temperature: 1f, TopP: 0.5f, Seed: 7), [], []);
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(0, sampler.Sample(logits, state).TokenId);
        }
    }

    [Fact]
    public void MinP_DropsTokensBelowTheFractionOfTheBest()
    {
        float[] logits = [0f, 0f, -5f, -5f];
        var sampler = new TokenSampler(logits.Length);
        var state = new SequenceSamplingState(new SamplingParams(Temperature: 1f, MinP: 0.1f, Seed: 3), [], []);
        var seen = Enumerable.Range(0, 300).Select(_ => sampler.Sample(logits, state).TokenId).ToHashSet();
        Assert.Equal(new HashSet<int> { 0, 1 }, seen);
    }

    [Fact]
    public void Temperature_SameSeed_SameSequence()
    {
        float[] logits = Enumerable.Range(0, 50).Select(i => (float)Math.Sin(i)).ToArray();
        int[] Draw(ulong seed)
        {
            var sampler = new TokenSampler(logits.Length);
            var state = new SequenceSamplingState(new SamplingParams(Temperature: 1f, Seed: seed), [], []);
            return Enumerable.Range(0, 30).Select(_ => sampler.Sample(logits, state).TokenId).ToArray();
        }

        Assert.Equal(Draw(5), Draw(5));
        Assert.NotEqual(Draw(5), Draw(6));
    }
}
