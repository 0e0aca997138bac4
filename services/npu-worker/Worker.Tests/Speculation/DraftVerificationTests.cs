using Inference.Abstractions.Execution;
using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Tests.Support;

namespace Worker.Tests.Speculation;

/// <summary>
/// Speculative decoding in the worker: a decode step with draft tokens answers the drafts it accepts and one more
/// token, exactly the tokens (and logprobs) decoding one token a step gives, whether every draft is right, none, or
/// some; the KV of rejected drafts never leaks into later tokens; penalties see the accepted tokens before each; and a
/// plan with drafts it cannot verify exactly is refused before anything changes.
/// </summary>
public sealed class DraftVerificationTests : IDisposable
{
    private const float Tolerance = 1e-4f;
    private const int Wrong = 3;
    private static readonly int[] Prompt = [5, 17, 300, 42, 42, 7, 511, 0, 99, 123, 64, 8, 250];
    private readonly RandomModelRunner _model;
    private readonly ModelRunner _runner;

    public DraftVerificationTests()
    {
        _model = new RandomModelRunner(new RandomModelSpec(96, 160, 3, 6, 3, TieWordEmbeddings: false, Std: 0.08, Seed: 11, VocabSize: 512), new ModelRunnerOptions { NumBlocks = 32, BlockSize = 4, Threads = 2 });
        _runner = _model.Runner;
    }

    public void Dispose()
    {
        _model.Dispose();
    }

    public static TheoryData<string> Samplings() => ["plain", "penalties", "seeded draws"];

    [Theory]
    [MemberData(nameof(Samplings))]
    public async Task Drafts_RightWrongOrMixed_GiveTheTokensOfOneAtATimeDecoding(string kind)
    {
        var sampling = Sampling(kind);
        var reference = await Steps.Generate(_runner, Prompt, 16, sampling);
        int[] r = [.. reference.Select(t => t.TokenId)];
        Assert.Contains(r, id => id != Wrong);

        // After the prefill (r[0]): three right drafts (all accepted, then one more), two right and a wrong one, a
        // wrong first draft (nothing accepted, the model's own token), plain decodes, and right drafts again.
        var got = new List<SampledToken>();
        var blocks = Enumerable.Range(0, (Prompt.Length + 24 + 3) / 4).ToArray();
        var prefill = await Steps.Run(_runner, Steps.Plan(0, [Steps.NewRequest("spec", Prompt, blocks, Prompt.Length, sampling)]));
        got.Add(Assert.Single(prefill.Sampled));
        int[][] draftPlans =
        [
            [r[1], r[2], r[3]],
            [r[5], r[6], Other(r[7])],
            [Other(r[8])],
            [],
            [],
            [r[11], r[12], r[13]],
        ];
        long step = 1;
        foreach (var drafts in draftPlans)
        {
            int computed = Prompt.Length + got.Count - 1;
            var result = await Steps.Run(_runner, Steps.Plan(step++, cached: [new CachedRequestData("spec", [], computed, drafts.Length + 1, DraftTokenIds: drafts)]));
            int accepted = drafts.TakeWhile((d, j) => d == r[got.Count + j]).Count();
            Assert.Equal(accepted + 1, result.Sampled.Count);
            Assert.All(result.Sampled, t => Assert.Equal("spec", t.RequestId));
            got.AddRange(result.Sampled);
        }

        await Steps.Run(_runner, Steps.Plan(step, finished: ["spec"]));
        Assert.Equal(r[..got.Count], got.Select(t => t.TokenId));
        for (int i = 0; i < got.Count; i++)
        {
            Assert.Equal(reference[i].Logprob, got[i].Logprob, Tolerance);
            Assert.Equal(reference[i].TopLogprobs.Select(t => t.TokenId), got[i].TopLogprobs.Select(t => t.TokenId));
        }
    }

    [Fact]
    public async Task DraftsBesideOrdinaryRequests_LeaveTheirTokensAlone()
    {
        var sampling = Sampling("plain");
        var alone = await Steps.Generate(_runner, [9, 8, 7, 6, 5], 6, sampling);
        var spec = await Steps.Generate(_runner, Prompt, 6, sampling);

        var blocksA = Enumerable.Range(0, 4).ToArray();
        var blocksB = Enumerable.Range(10, 6).ToArray();
        var first = await Steps.Run(_runner, Steps.Plan(0,
            [Steps.NewRequest("a", [9, 8, 7, 6, 5], blocksA, 5, sampling), Steps.NewRequest("b", Prompt, blocksB, Prompt.Length, sampling)]));
        var a = new List<int> { first.Sampled.Single(t => t.RequestId == "a").TokenId };
        var b = new List<int> { first.Sampled.Single(t => t.RequestId == "b").TokenId };
        for (long step = 1; a.Count < 6; step++)
        {
            int[] drafts = b.Count < 5 ? [spec[b.Count].TokenId, Other(spec[b.Count + 1].TokenId)] : [];
            var result = await Steps.Run(_runner, Steps.Plan(step, cached:
            [
                new CachedRequestData("a", [], 5 + a.Count - 1, 1),
                new CachedRequestData("b", [], Prompt.Length + b.Count - 1, drafts.Length + 1, DraftTokenIds: drafts),
            ]));
            a.AddRange(result.Sampled.Where(t => t.RequestId == "a").Select(t => t.TokenId));
            b.AddRange(result.Sampled.Where(t => t.RequestId == "b").Select(t => t.TokenId));
        }

        await Steps.Run(_runner, Steps.Plan(99, finished: ["a", "b"]));
        Assert.Equal(alone.Select(t => t.TokenId), a);
        Assert.Equal(spec.Select(t => t.TokenId).Take(b.Count), b.Take(6));
    }

    [Fact]
    public async Task DraftsThatDoNotFollowADecodeOrFit_AreRefusedBeforeAnythingChanges()
    {
        var blocks = Enumerable.Range(0, 8).ToArray();
        var drawn = new SamplingParams(Temperature: 0.8f, Seed: 1);
        var first = await Steps.Run(_runner, Steps.Plan(0,
        [
            Steps.NewRequest("drawn", Prompt, blocks[..5], Prompt.Length, drawn),
            Steps.NewRequest("greedy", [1, 2, 3], blocks[5..], 3),
        ]));

        var notDecode = Assert.Throws<ArgumentException>(() => Run(Steps.Plan(1, cached:
            [new CachedRequestData("greedy", [], 3, 2, DraftTokenIds: [4, 5])])));
        var outside = Assert.Throws<ArgumentException>(() => Run(Steps.Plan(1, cached:
            [new CachedRequestData("greedy", [], 3, 2, DraftTokenIds: [512])])));

        Assert.Contains("follow a decode", notDecode.Message);
        Assert.Contains("draft_token_ids[0] = 512 is outside [0, 512)", outside.Message);
        var after = await Steps.Run(_runner, Steps.Plan(1, cached: [new CachedRequestData("greedy", [], 3, 1), new CachedRequestData("drawn", [], Prompt.Length, 1)]));
        Assert.Equal(2, after.Sampled.Count);
        await Steps.Run(_runner, Steps.Plan(2, finished: ["drawn", "greedy"]));
        Assert.Equal(2, first.Sampled.Count);
    }

    private void Run(StepPlan plan) => Steps.Run(_runner, plan).GetAwaiter().GetResult();

    private static SamplingParams Sampling(string kind) => kind switch
    {
        "plain" => new SamplingParams(Logprobs: 3),
        "penalties" => new SamplingParams(Logprobs: 3, RepetitionPenalty: 1.3f, FrequencyPenalty: 0.5f, PresencePenalty: 0.4f),
        // A seeded draw: verification draws each position with the request's generator, as decoding does, so the same
        // seed gives the same tokens with drafts as without.
        _ => new SamplingParams(Temperature: 0.9f, TopP: 0.95f, TopK: 40, Seed: 7, Logprobs: 3),
    };

    /// <summary>A token unlike <paramref name="token"/>: a draft that must be rejected.</summary>
    private static int Other(int token) => token == Wrong ? Wrong + 1 : Wrong;
}
