using Inference.Abstractions.Execution;
using Inference.Cli.Simulation;

namespace Scheduler.Tests.Simulation;

public sealed class SimulatedExecutorTests
{
    private const ulong Seed = 42;
    private readonly SimulatedExecutor _executor = new(
        new ExecutorInfo("simulated", "Qwen2ForCausalLM", SimulatedModel.VocabSize, 1024, 16, 64, SimulatedModel.EosTokenIds, "sim:0"),
        SimulationSetups.Cost);

    [Fact]
    public void Prefill_CostsTheStepPlusEachPromptToken()
    {
        var result = _executor.Execute(Prefill("a", promptTokens: 20, scheduled: 20));

        Assert.Equal(10 + 20 * 1, result.Timings.TotalNs / 1e6, 6);
    }

    [Fact]
    public void Decode_CostsTheStepPlusEachDecodingSequence()
    {
        _executor.Execute(new StepPlan(0, [NewRequest("a", 20, 20), NewRequest("b", 20, 20)], [], []));

        var result = _executor.Execute(new StepPlan(1, [], [new CachedRequestData("a", [], 20, 1), new CachedRequestData("b", [], 20, 1)], []));

        Assert.Equal(10 + 2 * 2, result.Timings.TotalNs / 1e6, 6);
    }

    [Fact]
    public void Step_SamplesTheSeedsTokenAtTheNextPosition()
    {
        var result = _executor.Execute(Prefill("a", promptTokens: 20, scheduled: 20));

        Assert.Equal(SimulatedModel.TokenAt(Seed, 20), Assert.Single(result.Sampled).TokenId);
    }

    [Fact]
    public void PartialPrefillChunk_SamplesNothing()
    {
        var result = _executor.Execute(Prefill("a", promptTokens: 20, scheduled: 8));

        Assert.Empty(result.Sampled);
    }

    [Fact]
    public void Step_WhenThePlanDisagreesWithTheHeldState_Throws()
    {
        _executor.Execute(Prefill("a", promptTokens: 20, scheduled: 8));

        Assert.Throws<InvalidOperationException>(() =>
            _executor.Execute(new StepPlan(1, [], [new CachedRequestData("a", [], 10, 4)], [])));
    }

    [Fact]
    public void FinishedIds_AreForgotten()
    {
        _executor.Execute(Prefill("a", promptTokens: 20, scheduled: 20));

        _executor.Execute(new StepPlan(1, [], [], ["a"]));

        Assert.Equal(0, _executor.NumHeldRequests);
    }

    private static StepPlan Prefill(string id, int promptTokens, int scheduled) => new(0, [NewRequest(id, promptTokens, scheduled)], [], []);

    private static NewRequestData NewRequest(string id, int promptTokens, int scheduled) =>
        new(id, [.. Enumerable.Range(1, promptTokens)], promptTokens, new SamplingParams(Seed: Seed), [0, 1], 0, scheduled);
}
