using Inference.Abstractions.Execution;
using Worker.Tests.Support;

namespace Worker.Tests.Lora;

/// <summary>
/// One batch mixing sequences with an adapter, without one, and with another adapter gives each row what its run
/// alone gives: deltas land only on the rows of their own sequences.
/// </summary>
public sealed class LoraBatchingTests(Qwen2LoraFixture fixture) : IClassFixture<Qwen2LoraFixture>
{
    private const float Tolerance = 1e-4f;
    private static readonly SamplingParams GreedyWithLogprobs = new(Logprobs: 5);

    [Fact]
    public async Task MixedBatch_EachRequestMatchesItsRunAlone()
    {
        var requests = new (string Id, int[] Prompt, string? Lora)[]
        {
            ("all", [5, 17, 300, 42, 42, 7, 211], LoraModelFixture.AllLinear),
            ("base", [9, 8, 7, 6, 5], null),
            ("subset", [100, 200, 300, 400, 401, 402, 403, 404, 405], LoraModelFixture.Subset),
            ("all-again", [1, 2, 3], LoraModelFixture.AllLinear),
            ("rs", [33, 44, 55, 66], LoraModelFixture.RsLora),
        };
        const int Count = 4;
        var alone = new List<IReadOnlyList<SampledToken>>();
        foreach (var r in requests)
        {
            alone.Add(await Steps.Generate(fixture.Runner, r.Prompt, Count, GreedyWithLogprobs, lora: r.Lora));
        }

        var together = requests.Select(_ => new List<SampledToken>()).ToArray();
        var result = await Steps.Run(fixture.Runner, Steps.Plan(0,
            [.. requests.Select((r, i) => Steps.NewRequest(r.Id, r.Prompt, [.. Enumerable.Range(4 * i, 4)], r.Prompt.Length, GreedyWithLogprobs, lora: r.Lora))]));
        for (int step = 1; ; step++)
        {
            for (int i = 0; i < requests.Length; i++)
            {
                together[i].Add(result.Sampled.Single(s => s.RequestId == requests[i].Id));
            }

            if (step == Count)
            {
                break;
            }

            result = await Steps.Run(fixture.Runner, Steps.Plan(step, cached:
                [.. requests.Select(r => new CachedRequestData(r.Id, [], r.Prompt.Length + step - 1, 1))]));
        }

        await Steps.Run(fixture.Runner, Steps.Plan(99, finished: [.. requests.Select(r => r.Id)]));
        for (int i = 0; i < requests.Length; i++)
        {
            AssertSame(requests[i].Id, alone[i], together[i]);
        }
    }

    [Fact]
    public async Task Adapter_ChangesGreedyOutput()
    {
        int[] prompt = [5, 17, 300, 42, 42, 7, 211];
        var withAdapter = await Steps.Generate(fixture.Runner, prompt, 8, lora: LoraModelFixture.AllLinear);
        var baseOnly = await Steps.Generate(fixture.Runner, prompt, 8);
        Assert.NotEqual(baseOnly.Select(s => s.TokenId), withAdapter.Select(s => s.TokenId));
    }

    [Fact]
    public async Task UnknownLoraName_RefusesThePlanNamingIt()
    {
        var plan = Steps.Plan(0, [Steps.NewRequest("r", [1, 2, 3], [0], 3, lora: "no-such-adapter")]);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Steps.Run(fixture.Runner, plan));
        Assert.Contains("lora_name 'no-such-adapter'", error.Message);
        Assert.Contains(LoraModelFixture.AllLinear, error.Message);
        Assert.Equal(0, fixture.Runner.NumRequests);
    }

    private static void AssertSame(string id, IReadOnlyList<SampledToken> expected, IReadOnlyList<SampledToken> actual)
    {
        Assert.Equal(expected.Select(s => s.TokenId), actual.Select(s => s.TokenId));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].TopLogprobs.Select(t => t.TokenId), actual[i].TopLogprobs.Select(t => t.TokenId));
            foreach (var (e, a) in expected[i].TopLogprobs.Zip(actual[i].TopLogprobs))
            {
                Assert.True(Math.Abs(e.Logprob - a.Logprob) <= Tolerance, $"{id}, token {i}: logprob of {e.TokenId} {e.Logprob} vs {a.Logprob}");
            }
        }
    }
}
