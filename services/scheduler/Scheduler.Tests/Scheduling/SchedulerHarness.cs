using Inference.Abstractions.Execution;
using Scheduler.Core;
using Scheduler.Core.Scheduling;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Scheduling;

/// <summary>A scheduler driven step by step against the fake executor, as the engine loop would.</summary>
internal sealed class SchedulerHarness
{
    public SchedulerHarness(int numBlocks = 64, int blockSize = 4, int maxNumBatchedTokens = 2048, int maxNumSeqs = 64,
        int maxModelLength = 128, bool prefixCaching = false, SchedulingPolicy policy = SchedulingPolicy.Fcfs,
        Func<int, int>? nextToken = null)
    {
        Executor = new FakeStepExecutor(FakeStepExecutor.DefaultInfo(numBlocks, blockSize, maxModelLength), nextToken: nextToken);
        Scheduler = new RequestScheduler(new SchedulerConfig(maxNumSeqs, maxNumBatchedTokens, maxModelLength, blockSize, numBlocks,
            [FakeTextTokenizer.EosId], prefixCaching, policy));
    }

    public RequestScheduler Scheduler { get; }

    public FakeStepExecutor Executor { get; }

    public List<EngineOutput> Outputs { get; } = [];

    public (StepPlan Plan, IReadOnlyList<EngineOutput> Outputs) Step()
    {
        var plan = Scheduler.Schedule();
        if (plan.TotalScheduledTokens == 0)
        {
            return (plan, []); // the engine loop does not run empty plans either
        }

        var result = Executor.ExecuteAsync(plan, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        var outputs = Scheduler.UpdateFromOutput(result);
        Outputs.AddRange(outputs);
        return (plan, outputs);
    }

    public EngineOutput? FinalOutput(string requestId) => Outputs.LastOrDefault(o => o.RequestId == requestId && o.Finish is not null);

    public static int[] Ids(IEnumerable<int> ids) => [.. ids];
}
