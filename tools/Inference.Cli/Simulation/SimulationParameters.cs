namespace Inference.Cli.Simulation;

/// <summary>Everything a simulation depends on besides the policy.</summary>
internal sealed record SimulationParameters(WorkloadOptions Workload, WorkerShape Workers, CostModel Cost);
