using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

/// <summary>use_beam_search: the n most likely sequences, found as vLLM's beam search finds them.</summary>
public sealed class InferenceEngineBeamSearchTests
{
    private const int Eos = FakeTextTokenizer.EosId;

    /// <summary>
    /// After 'a' (97): 'b' 0.6, 'c' 0.4. After 'b': 'd' 0.5, 'e' 0.5. After 'c': 'f' 0.9, EOS 0.1. After 'f': EOS 0.99, 'g'
    /// 0.01. Anything else: 'z' 0.7, 'y' 0.3. Greedy goes a-b-d (0.30); the best two-token beam is a-c-f (0.36).
    /// </summary>
    private static IReadOnlyList<TokenLogprob> Distribution(IReadOnlyList<int> tokens) => (char)tokens[^1] switch
    {
        'a' => [Entry('b', 0.6), Entry('c', 0.4), Entry('x', 0.0001)],
        'b' => [Entry('d', 0.5), Entry('e', 0.5), Entry('x', 0.0001)],
        'c' => [Entry('f', 0.9), new TokenLogprob(Eos, MathF.Log(0.1f)), Entry('x', 0.0001)],
        'f' => [new TokenLogprob(Eos, MathF.Log(0.99f)), Entry('g', 0.01), Entry('x', 0.0001)],
        _ => [Entry('z', 0.7), Entry('y', 0.3), Entry('x', 0.0001)],
    };

    private static TokenLogprob Entry(char token, double probability) => new(token, (float)Math.Log(probability));

    private static GenerationParams Beam(int width, int maxTokens, float? lengthPenalty = null, bool ignoreEos = false) =>
        new() { UseBeamSearch = true, N = width, MaxTokens = maxTokens, LengthPenalty = lengthPenalty, IgnoreEos = ignoreEos };

    [Fact]
    public async Task BeamSearch_WidthTwo_FindsTheMoreLikelySequenceGreedyMisses()
    {
        var executor = new FakeStepExecutor(distribution: Distribution);
        await using var engine = EngineFixture.Create(executor);

        var outputs = await engine.CollectAsync(EngineFixture.Text("a", Beam(width: 2, maxTokens: 2), id: "beam")).WaitAsync(EngineFixture.Timeout);

        Assert.Equal([0, 1], outputs.Select(o => o.Index));
        Assert.Equal("cf", outputs[0].TextDelta);
        Assert.Equal(Math.Log(0.4) + Math.Log(0.9), outputs[0].NewTokens.Sum(t => (double)t.Logprob), 5);
        Assert.Equal(FinishReason.Length, outputs[0].Finish);
        Assert.Equal((1, 2), (outputs[0].Usage!.PromptTokens, outputs[0].Usage!.CompletionTokens));
        Assert.All(outputs, o => Assert.Equal("beam", o.RequestId));
        // Every step asked for 2 × width alternatives.
        Assert.All(executor.PlansSoFar().SelectMany(plan => plan.NewRequests), r => Assert.Equal(4, r.Sampling.Logprobs));
    }

    [Fact]
    public async Task BeamSearch_ABeamEndingInEos_IsCompleteAndRankedByItsLengthPenalisedScore()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor(distribution: Distribution));

        var outputs = await engine.CollectAsync(EngineFixture.Text("a", Beam(width: 2, maxTokens: 5), id: "eos")).WaitAsync(EngineFixture.Timeout);

        // a-c-f-EOS: log(0.4 · 0.9 · 0.99) over 3 positions (the EOS is not counted) beats every live beam of 5 tokens.
        Assert.Equal("cf", outputs[0].TextDelta);
        Assert.Equal([(int)'c', 'f', Eos], outputs[0].NewTokens.Select(t => t.TokenId));
        Assert.Equal(FinishReason.Stop, outputs[0].Finish);
    }

    [Fact]
    public async Task BeamSearch_WidthOne_IsGreedy()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor(distribution: Distribution));

        var outputs = await engine.CollectAsync(EngineFixture.Text("a", Beam(width: 1, maxTokens: 3), id: "one")).WaitAsync(EngineFixture.Timeout);

        Assert.Equal("bdz", Assert.Single(outputs).TextDelta);
    }

    [Fact]
    public async Task BeamSearch_IgnoreEos_KeepsExtendingPastIt()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor(distribution: Distribution));

        var outputs = await engine.CollectAsync(EngineFixture.Text("a", Beam(width: 2, maxTokens: 4, ignoreEos: true), id: "ignore")).WaitAsync(EngineFixture.Timeout);

        Assert.All(outputs, o => Assert.Equal(4, o.NewTokens.Count));
        Assert.All(outputs, o => Assert.Equal(FinishReason.Length, o.Finish));
    }

    [Fact]
    public async Task BeamSearch_AbortedById_EndsEveryCompletionWithAbort()
    {
        var executor = new FakeStepExecutor(gated: true, distribution: Distribution);
        await using var engine = EngineFixture.Create(executor);
        var run = engine.CollectAsync(EngineFixture.Text("a", Beam(width: 2, maxTokens: 50), id: "beam-abort"));
        executor.AllowSteps(1);
        await EngineFixture.EventuallyAsync(() => executor.PlansSoFar().Length >= 1);

        Assert.True(engine.Abort("beam-abort"));
        executor.AllowSteps(10);

        var outputs = await run.WaitAsync(EngineFixture.Timeout);
        Assert.Equal([0, 1], outputs.Select(o => o.Index));
        Assert.All(outputs, o => Assert.Equal(FinishReason.Abort, o.Finish));
        Assert.True(executor.PlansSoFar().Length < 10);
    }

    [Theory]
    [InlineData("temperature")]
    [InlineData("top_p")]
    [InlineData("stop")]
    [InlineData("logprobs")]
    [InlineData("seed")]
    [InlineData("prediction")]
    public async Task BeamSearch_WithAFieldItDoesNotApply_IsRefusedNamingIt(string field)
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor(distribution: Distribution));
        var p = Beam(width: 2, maxTokens: 2);
        p = field switch
        {
            "temperature" => p with { Temperature = 0.7f },
            "top_p" => p with { TopP = 0.5f },
            "stop" => p with { Stop = ["x"] },
            "logprobs" => p with { Logprobs = 2 },
            "prediction" => p with { Prediction = "bc" },
            _ => p with { Seed = 1 },
        };

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() => engine.CollectAsync(EngineFixture.Text("a", p)));

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public async Task LengthPenalty_WithoutBeamSearch_AndAWidthBeyondTenAreRefused()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor(distribution: Distribution));

        var penalty = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.CollectAsync(EngineFixture.Text("a", new GenerationParams { Temperature = 0, LengthPenalty = 0.5f })));
        var width = await Assert.ThrowsAsync<GenerationValidationException>(() => engine.CollectAsync(EngineFixture.Text("a", Beam(width: 11, maxTokens: 2))));

        Assert.Equal("length_penalty", penalty.Field);
        Assert.Equal("n", width.Field);
    }
}
