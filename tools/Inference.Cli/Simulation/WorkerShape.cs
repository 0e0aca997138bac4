using Scheduler.Core.Fleet;
using Scheduler.Core.Scheduling;

namespace Inference.Cli.Simulation;

/// <summary>The simulated fleet: how many workers, what KV memory each has, and the scheduler's limits.</summary>
/// <param name="Workers">Worker instances, all alike.</param>
/// <param name="BlocksPerWorker">KV blocks of each worker.</param>
/// <param name="BlockSize">Tokens per KV block.</param>
/// <param name="MaxNumSeqs">Most requests running in one step, per worker.</param>
/// <param name="MaxNumBatchedTokens">Token budget of one step, per worker.</param>
/// <param name="BalanceThreshold">Prefix placement's allowance over the least loaded worker.</param>
internal sealed record WorkerShape(
    int Workers,
    int BlocksPerWorker,
    int BlockSize,
    int MaxNumSeqs,
    int MaxNumBatchedTokens,
    int BalanceThreshold)
{
    /// <summary>Qwen2.5-0.5B's context length.</summary>
    public const int ModelMaxLength = 32768;

    /// <summary>A worker's 512 MiB default KV memory for Qwen2.5-0.5B in fp32 (24 layers x K and V x 2 heads x 64
    /// x 4 bytes = 24 KiB a token), in 16-token blocks.</summary>
    public const int DefaultBlocksPerWorker = 1365;

    /// <summary>As a real worker announces it: the model's length, or less when its KV memory holds less.</summary>
    public int MaxModelLength => (int)Math.Min(ModelMaxLength, (long)BlocksPerWorker * BlockSize);

    public FleetConfig ToFleetConfig(PlacementPolicy placement) => new(
        new SchedulerConfig(MaxNumSeqs, MaxNumBatchedTokens, MaxModelLength, BlockSize, BlocksPerWorker, SimulatedModel.EosTokenIds),
        placement,
        BalanceThreshold);
}
