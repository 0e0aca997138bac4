using System.Diagnostics;
using Inference.Cli.Benchmarks;

namespace Inference.Cli.Tests.Benchmarks;

public sealed class ServeRoundProfileTests
{
    // Two seconds, ten steps, 1.5 s of them inside the worker and 1.6 s from sending to result.
    private static readonly ServeSample Before = new(0, new Dictionary<string, TimeSpan>
    {
        ["npu-worker-0"] = TimeSpan.FromSeconds(10),
        ["scheduler"] = TimeSpan.FromSeconds(1),
    }, Steps: 5, WorkerStepSeconds: 2, StepCallSeconds: 3);

    private static readonly ServeSample After = new(2 * Stopwatch.Frequency, new Dictionary<string, TimeSpan>
    {
        ["npu-worker-0"] = TimeSpan.FromSeconds(13),
        ["scheduler"] = TimeSpan.FromSeconds(1.2),
    }, Steps: 15, WorkerStepSeconds: 3.5, StepCallSeconds: 4.6);

    [Fact]
    public void Describe_GivesPerStepWallWorkerAndCallTimes()
    {
        Assert.Contains("10 steps, per step 200.0 ms wall, 150.0 ms in the worker, 160.0 ms call (worker busy 75%)",
            ServeRoundProfile.Describe(Before, After));
    }

    [Fact]
    public void Describe_GivesEachProcessCpuLargestFirst()
    {
        Assert.EndsWith("cpu: npu-worker-0 3.00 s (150%), scheduler 0.20 s (10%)", ServeRoundProfile.Describe(Before, After));
    }
}
