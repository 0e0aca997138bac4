using Inference.Abstractions.Execution;
using Worker.Runtime;

namespace Inference.Cli.Tests.Support;

/// <summary>Our model runner driven as the scheduler drives it: the prompt prefilled in one step, then one decode step per token.</summary>
public static class OurEngine
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    public static ModelRunner Load(string directory) =>
        ModelRunner.Load(directory, new ModelRunnerOptions { NumBlocks = 64, Threads = 2 });

    public static async Task<int[]> GreedyAsync(ModelRunner runner, IReadOnlyList<int> prompt, int count)
    {
        int blocks = (prompt.Count + count + runner.Info.BlockSize - 1) / runner.Info.BlockSize;
        var ids = new List<int>();
        var result = await Run(runner, new StepPlan(0,
            [new NewRequestData("greedy", prompt, prompt.Count, SamplingParams.Greedy, Enumerable.Range(0, blocks).ToArray(), 0, prompt.Count)], [], []));
        ids.Add(Assert.Single(result.Sampled).TokenId);
        for (int i = 1; i < count; i++)
        {
            result = await Run(runner, new StepPlan(i, [], [new CachedRequestData("greedy", [], prompt.Count + i - 1, 1)], []));
            ids.Add(Assert.Single(result.Sampled).TokenId);
        }

        await Run(runner, new StepPlan(count, [], [], ["greedy"]));
        return [.. ids];
    }

    private static async Task<StepResult> Run(ModelRunner runner, StepPlan plan)
    {
        using var cancellation = new CancellationTokenSource(StepTimeout);
        return await runner.ExecuteAsync(plan, cancellation.Token).WaitAsync(StepTimeout);
    }
}
