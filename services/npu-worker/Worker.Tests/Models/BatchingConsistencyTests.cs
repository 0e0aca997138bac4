using Inference.Abstractions.Execution;
using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Tests.Support;

namespace Worker.Tests.Models;

/// <summary>
/// However the scheduler splits and batches a prompt, the sampled ids and the logits (seen through logprobs) are
/// the same. Run for each architecture by the subclasses below, each with a shape unlike its golden ones.
/// </summary>
public abstract class BatchingConsistencyTests : IDisposable
{
    private const float Tolerance = 1e-4f;
    private static readonly SamplingParams GreedyWithLogprobs = new(Logprobs: 5);
    private static readonly int[] Prompt = [5, 17, 300, 42, 42, 7, 511, 0, 99, 123, 64, 8, 250];
    private readonly RandomModelRunner _model;
    private readonly ModelRunner _runner;

    protected BatchingConsistencyTests(RandomModelSpec spec)
    {
        _model = new RandomModelRunner(spec, new ModelRunnerOptions { NumBlocks = 32, BlockSize = 4, Threads = 2 });
        _runner = _model.Runner;
    }

    public void Dispose()
    {
        _model.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task ChunkedPrefill_MatchesOneShotPrefill()
    {
        var oneShot = await Steps.Generate(_runner, Prompt, 4, GreedyWithLogprobs);

        var blocks = Enumerable.Range(0, 5).ToArray();
        var chunk1 = await Steps.Run(_runner, Steps.Plan(0, [Steps.NewRequest("r", Prompt, blocks[..1], 3, GreedyWithLogprobs)]));
        Assert.Empty(chunk1.Sampled);
        var chunk2 = await Steps.Run(_runner, Steps.Plan(1, cached: [new CachedRequestData("r", blocks[1..2], 3, 5)]));
        Assert.Empty(chunk2.Sampled);
        var chunked = new List<SampledToken>();
        var last = await Steps.Run(_runner, Steps.Plan(2, cached: [new CachedRequestData("r", blocks[2..4], 8, 5)]));
        chunked.Add(Assert.Single(last.Sampled));
        for (int i = 1; i < 4; i++)
        {
            var newBlocks = Prompt.Length + i == 16 ? blocks[4..5] : [];
            var step = await Steps.Run(_runner, Steps.Plan(2 + i, cached: [new CachedRequestData("r", newBlocks, Prompt.Length + i - 1, 1)]));
            chunked.Add(Assert.Single(step.Sampled));
        }

        await Steps.Run(_runner, Steps.Plan(9, finished: ["r"]));
        AssertSame(oneShot, chunked);
    }

    [Fact]
    public async Task PromptBatchedWithOthers_MatchesPromptAlone()
    {
        var alone = await Steps.Generate(_runner, Prompt, 4, GreedyWithLogprobs);

        int[] other1 = [1, 2, 3];
        int[] other2 = Enumerable.Range(100, 21).ToArray();
        var batched = new List<SampledToken>();
        var first = await Steps.Run(_runner, Steps.Plan(0,
        [
            Steps.NewRequest("other1", other1, [10, 11], 3),
            Steps.NewRequest("target", Prompt, [20, 21, 22, 23, 24], Prompt.Length, GreedyWithLogprobs),
            Steps.NewRequest("other2", other2, [0, 1, 2, 3, 4, 5], 10),
        ]));
        Assert.Equal(["other1", "target"], first.Sampled.Select(s => s.RequestId));
        batched.Add(first.Sampled.Single(s => s.RequestId == "target"));
        for (int i = 1; i < 4; i++)
        {
            var step = await Steps.Run(_runner, Steps.Plan(i, cached:
            [
                new CachedRequestData("other2", [], 10 + (i - 1) * 4, i < 3 ? 4 : 3),
                new CachedRequestData("target", [], Prompt.Length + i - 1, 1),
                new CachedRequestData("other1", [], 3 + i - 1, 1),
            ]));
            batched.Add(step.Sampled.Single(s => s.RequestId == "target"));
        }

        await Steps.Run(_runner, Steps.Plan(9, finished: ["other1", "other2", "target"]));
        AssertSame(alone, batched);
    }

    [Fact]
    public async Task SampledInOneStep_EachRequestMatchesItsRunAlone()
    {
        // Rows of one pass are sampled on the pool's threads, each with its own sampler: every request must still get
        // what it gets alone (its own seeded generator, its own logprobs).
        var requests = Enumerable.Range(0, 5).Select(i => (
            Id: $"r{i}",
            Prompt: Prompt.Select(t => (t + 31 * i) % 512).ToArray(),
            Sampling: i == 0 ? GreedyWithLogprobs : new SamplingParams(Temperature: 1.0f, TopK: 40, Seed: (ulong)(77 + i), Logprobs: 2)))
            .ToArray();
        var alone = new List<IReadOnlyList<SampledToken>>();
        foreach (var r in requests)
        {
            alone.Add(await Steps.Generate(_runner, r.Prompt, 4, r.Sampling));
        }

        var together = requests.Select(_ => new List<SampledToken>()).ToArray();
        var result = await Steps.Run(_runner, Steps.Plan(0,
            [.. requests.Select((r, i) => Steps.NewRequest(r.Id, r.Prompt, [.. Enumerable.Range(5 * i, 5)], Prompt.Length, r.Sampling))]));
        for (int step = 1; ; step++)
        {
            foreach (var (sampled, i) in requests.Select((r, i) => (result.Sampled.Single(s => s.RequestId == r.Id), i)))
            {
                together[i].Add(sampled);
            }

            if (step == 4)
            {
                break;
            }

            result = await Steps.Run(_runner, Steps.Plan(step, cached:
                [.. requests.Select(r => new CachedRequestData(r.Id, [], Prompt.Length + step - 1, 1))]));
        }

        await Steps.Run(_runner, Steps.Plan(9, finished: [.. requests.Select(r => r.Id)]));
        for (int i = 0; i < requests.Length; i++)
        {
            AssertSame(alone[i], together[i]);
        }
    }

    [Fact]
    public async Task SeededSampling_SameSeed_ReproducesIds()
    {
        var sampling = new SamplingParams(Temperature: 1.0f, TopP: 0.95f, TopK: 50, Seed: 1234);
        var first = await Steps.Generate(_runner, Prompt, 8, sampling);
        var second = await Steps.Generate(_runner, Prompt, 8, sampling);
        var otherSeed = await Steps.Generate(_runner, Prompt, 8, sampling with { Seed = 4321 });
        Assert.Equal(first.Select(s => s.TokenId), second.Select(s => s.TokenId));
        Assert.NotEqual(first.Select(s => s.TokenId), otherSeed.Select(s => s.TokenId));
    }

    [Fact]
    public async Task Logprob_OfSampledToken_IsAmongTopLogprobsForGreedy()
    {
        var sampled = await Steps.Generate(_runner, Prompt, 2, GreedyWithLogprobs);
        foreach (var token in sampled)
        {
            Assert.Equal(5, token.TopLogprobs.Count);
            Assert.Equal(token.TokenId, token.TopLogprobs[0].TokenId);
            Assert.Equal(token.Logprob, token.TopLogprobs[0].Logprob, 5);
            Assert.True(token.Logprob < 0);
        }
    }

    private static void AssertSame(IReadOnlyList<SampledToken> expected, IReadOnlyList<SampledToken> actual)
    {
        Assert.Equal(expected.Select(s => s.TokenId), actual.Select(s => s.TokenId));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].TopLogprobs.Select(t => t.TokenId), actual[i].TopLogprobs.Select(t => t.TokenId));
            foreach (var (e, a) in expected[i].TopLogprobs.Zip(actual[i].TopLogprobs))
            {
                Assert.True(Math.Abs(e.Logprob - a.Logprob) <= Tolerance, $"token {i}: logprob of {e.TokenId} {e.Logprob} vs {a.Logprob}");
            }
        }
    }
}
