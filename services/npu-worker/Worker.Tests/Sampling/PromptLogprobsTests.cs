using Inference.Abstractions.Execution;
using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Tests.Support;

namespace Worker.Tests.Sampling;

/// <summary>
/// Prompt logprobs (vLLM's prompt_logprobs) as the runner computes them over a chunked prefill, with few logits rows
/// per forward pass so that every chunk is also split into several passes.
/// </summary>
public sealed class PromptLogprobsTests : IDisposable
{
    private const double Tolerance = 1e-5;
    private const int TopCount = 3;
    private static readonly int[] Prompt = [5, 17, 300, 42, 42, 7, 511, 0, 99, 123, 64, 8, 250];
    private readonly RandomModelRunner _model;
    private readonly ModelRunner _runner;

    public PromptLogprobsTests()
    {
        _model = new RandomModelRunner(RandomModelSpec.FromPreset("tiny", 0), new ModelRunnerOptions { NumBlocks = 32, BlockSize = 4, Threads = 2, MaxPromptLogprobRows = 2 });
        _runner = _model.Runner;
    }

    public void Dispose()
    {
        _model.Dispose();
    }

    [Fact]
    public async Task ChunkedPrompt_EachPositionIsTheLogSoftmaxOfItsPrefix()
    {
        var positions = await PrefillInChunksAsync(new SamplingParams(PromptLogprobs: TopCount));

        Assert.Equal(Prompt.Length - 1, positions.Count);
        for (int p = 1; p < Prompt.Length; p++)
        {
            var logSoftmax = LogSoftmax(_runner.ComputeLogits(Prompt[..p]));
            var entry = positions[p - 1];
            Assert.Equal(Prompt[p], entry.TokenId);
            Assert.Equal(logSoftmax[Prompt[p]], entry.Logprob, Tolerance);
            Assert.Equal(logSoftmax.Count(l => l >= logSoftmax[Prompt[p]]), entry.Rank);
            var expectedTop = Enumerable.Range(0, logSoftmax.Length).OrderByDescending(i => logSoftmax[i]).Take(TopCount).ToArray();
            Assert.Equal(expectedTop, entry.TopLogprobs.Select(t => t.TokenId));
            Assert.All(entry.TopLogprobs, t => Assert.Equal(logSoftmax[t.TokenId], t.Logprob, Tolerance));
        }
    }

    [Fact]
    public async Task RequestWithoutPromptLogprobs_GetsNone()
    {
        var positions = await PrefillInChunksAsync(SamplingParams.Greedy);

        Assert.Empty(positions);
    }

    [Fact]
    public async Task PromptLogprobs_DoNotChangeTheSampledToken()
    {
        var plain = await Steps.Generate(_runner, Prompt, 1, SamplingParams.Greedy with { Logprobs = 2 });
        var scored = await Steps.Generate(_runner, Prompt, 1, new SamplingParams(Logprobs: 2, PromptLogprobs: 0));

        Assert.Equal(plain[0].TokenId, scored[0].TokenId);
        Assert.Equal(plain[0].Logprob, scored[0].Logprob, Tolerance);
    }

    /// <summary>Prefills <see cref="Prompt"/> in chunks of 5, 5 and 3 beside another request, and returns the prompt
    /// logprobs of every step in order, checking each step's chunk starts where the previous one ended.</summary>
    private async Task<List<PromptTokenLogprob>> PrefillInChunksAsync(SamplingParams sampling)
    {
        var positions = new List<PromptTokenLogprob>();
        var blocks = Enumerable.Range(0, 4).ToArray();
        var steps = new[]
        {
            Steps.Plan(0, [Steps.NewRequest("r", Prompt, blocks[..2], 5, sampling), Steps.NewRequest("other", [1, 2, 3], [10], 3)]),
            Steps.Plan(1, cached: [new CachedRequestData("other", [], 3, 1), new CachedRequestData("r", blocks[2..3], 5, 5)]),
            Steps.Plan(2, cached: [new CachedRequestData("r", blocks[3..4], 10, 3)], finished: ["other"]),
        };
        foreach (var plan in steps)
        {
            var result = await Steps.Run(_runner, plan);
            Assert.DoesNotContain(result.PromptLogprobs ?? [], c => c.RequestId != "r");
            if (result.PromptLogprobs?.SingleOrDefault() is { } chunk)
            {
                Assert.Equal(positions.Count + 1, chunk.FirstPosition);
                positions.AddRange(chunk.Positions);
            }
        }

        await Steps.Run(_runner, Steps.Plan(3, finished: ["r"]));
        return positions;
    }

    private static double[] LogSoftmax(float[] logits)
    {
        double max = logits.Max();
        double logSum = Math.Log(logits.Sum(l => Math.Exp(l - max))) + max;
        return [.. logits.Select(l => l - logSum)];
    }
}
