using Inference.Cli.Benchmarks;
using Worker.Runtime.Ops;

namespace Inference.Cli.Tests.Benchmarks;

/// <summary>`bench-model --profile`'s arithmetic: per-step times, the matmuls' bytes against the window, the rest.</summary>
public sealed class StepProfileTests
{
    // 10 steps of 20 ms: matmuls 15 ms a step reading 600 MB a step, attention 2 ms, rmsnorm 0.5 ms, sampling 1 ms.
    private static readonly StepProfile Profile = new(
        Steps: 10,
        WindowBytesPerSecond: 50e9,
        Times: new RoundTimes(PrefillSeconds: 1, DecodeSeconds: 0.2, DecodeSampleSeconds: 0.01),
        Ops:
        [
            new OpTime("matmul [9728 x 896] bf16", 240, 0.10, 4_000_000_000),
            new OpTime("matmul [896 x 4864] bf16", 240, 0.05, 2_000_000_000),
            new OpTime("attention", 240, 0.02, 0),
            new OpTime("rmsnorm", 490, 0.005, 0),
        ]);

    [Fact]
    public void PerStep_SplitsTheStepIntoMatmulsOtherOpsSamplingAndRest()
    {
        Assert.Equal(0.020, Profile.StepSeconds, 9);
        Assert.Equal(0.015, Profile.MatMulSeconds, 9);
        Assert.Equal(0.0025, Profile.OtherOpSeconds, 9);
        Assert.Equal(0.001, Profile.SampleSeconds, 9);
        Assert.Equal(0.0015, Profile.RestSeconds, 9);
        Assert.Equal(600e6, Profile.BytesPerStep, 3);
    }

    [Fact]
    public void Summary_SetsTheStepAndItsMatmulsAgainstTheWindow()
    {
        // 600 MB a step: in 20 ms 30 GB/s (60% of 50), in the matmuls' 15 ms 40 GB/s (80%).
        Assert.Equal(
            "window 50.0 GB/s | step 20.00 ms, weights 30.0 GB/s (60%) | matmuls 15.00 ms (40.0 GB/s, 80%) | other ops 2.50 ms | sampling 1.00 ms | rest 1.50 ms",
            Profile.Summary());
    }

    [Fact]
    public void Breakdown_GivesEachOpsCallsTimeAndMatmulRate()
    {
        var lines = Profile.Breakdown().ToList();

        Assert.Equal(4, lines.Count);
        Assert.Matches(@"^matmul \[9728 x 896\] bf16\s+24\.0 calls\s+10\.000 ms\s+416\.7 us a call\s+40\.0 GB/s$", lines[0]);
        Assert.Matches(@"^attention\s+24\.0 calls\s+2\.000 ms\s+83\.3 us a call$", lines[2]);
    }
}
