using Inference.Abstractions.Execution;
using Scheduler.Core;
using Scheduler.Core.Scheduling;
using Scheduler.Core.Speculation;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Scheduling;

/// <summary>A scheduler driven step by step against the fake executor, as the engine loop would.</summary>
internal sealed class SchedulerHarness
{
    public SchedulerHarness(int numBlocks = 64, int blockSize = 4, int maxNumBatchedTokens = 2048, int maxNumSeqs = 64,
        int maxModelLength = 128, bool prefixCaching = false, SchedulingPolicy policy = SchedulingPolicy.Fcfs,
        Func<int, int>? nextToken = null, bool asyncScheduling = false, IReadOnlyList<LoraAdapterInfo>? loraAdapters = null,
        int? maxLoras = null, SpeculativeConfig? speculative = null)
    {
        Executor = new FakeStepExecutor(FakeStepExecutor.DefaultInfo(numBlocks, blockSize, maxModelLength, loraAdapters: loraAdapters),
            nextToken: nextToken);
        Scheduler = new RequestScheduler(new SchedulerConfig(maxNumSeqs, maxNumBatchedTokens, maxModelLength, blockSize, numBlocks,
            [FakeTextTokenizer.EosId], prefixCaching, policy, asyncScheduling, maxLoras, speculative));
    }

    /// <summary>Results of the steps handed over and not applied yet, oldest first (async scheduling).</summary>
    private Queue<StepResult> InFlight { get; } = new();

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

    /// <summary>Plans a step and hands it to the executor without applying its result (async scheduling: the engine
    /// plans the next step while this one runs). Null when nothing can run.</summary>
    public StepPlan? Send()
    {
        var plan = Scheduler.Schedule();
        if (plan.TotalScheduledTokens == 0)
        {
            return null;
        }

        InFlight.Enqueue(Executor.ExecuteAsync(plan, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult());
        return plan;
    }

    /// <summary>Applies the oldest result handed over.</summary>
    public IReadOnlyList<EngineOutput> Receive()
    {
        var outputs = Scheduler.UpdateFromOutput(InFlight.Dequeue());
        Outputs.AddRange(outputs);
        return outputs;
    }

    /// <summary>Runs every request to its end as the engine loop does: keeps as many steps in flight as the scheduler
    /// allows, and applies the oldest when no more can be sent. Returns the plans in order.</summary>
    public List<StepPlan> RunToEnd(int maxSteps = 10_000)
    {
        var plans = new List<StepPlan>();
        while (Scheduler.HasUnfinishedRequests || InFlight.Count > 0)
        {
            while (InFlight.Count < Scheduler.Config.MaxStepsInFlight && Scheduler.HasUnfinishedRequests && Send() is { } plan)
            {
                plans.Add(plan);
            }

            if (InFlight.Count == 0 || plans.Count > maxSteps)
            {
                throw new InvalidOperationException($"Stuck after {plans.Count} steps: {string.Join(", ", Scheduler.Running)}");
            }

            Receive();
        }

        return plans;
    }

    public EngineOutput? FinalOutput(string requestId) => Outputs.LastOrDefault(o => o.RequestId == requestId && o.Finish is not null);

    public static int[] Ids(IEnumerable<int> ids) => [.. ids];
}
