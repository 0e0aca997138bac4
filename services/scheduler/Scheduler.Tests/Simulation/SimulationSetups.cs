using Inference.Cli.Simulation;

namespace Scheduler.Tests.Simulation;

/// <summary>Small workloads and fleets that simulate in milliseconds.</summary>
internal static class SimulationSetups
{
    public static WorkloadOptions Workload(int requests = 200, double arrivalRate = 1.0, double sharedPrefixShare = 0.5, double multiTurnShare = 0.25, int seed = 7) =>
        new(requests, arrivalRate, PromptTokens: 40, OutputTokens: 12, SystemPrompts: 3, SystemPromptTokens: 96, sharedPrefixShare, multiTurnShare, seed);

    public static WorkerShape Workers(int workers = 2) =>
        new(workers, BlocksPerWorker: 256, BlockSize: 16, MaxNumSeqs: 16, MaxNumBatchedTokens: 256, BalanceThreshold: 4);

    public static CostModel Cost { get; } = new(StepMs: 10, PrefillMsPerToken: 1, DecodeMsPerSequence: 2);
}
