using System.Globalization;
using Worker.Runtime.Ops;

namespace Inference.Cli.Benchmarks;

/// <summary>
/// Where one timed decode round's steps went (`bench-model --profile`): the step against the read-bandwidth window
/// measured just before it (the bytes its matmuls read a step, each matrix once, and for one sequence that rate's share
/// of the window is what the bandwidth criterion asks), its matmuls alone, the other ops, sampling, and the rest (residual adds, the embedding
/// lookup, the runner's own work), each per step; then per op the calls, time and, for matmuls, the rate they read.
/// </summary>
public sealed record StepProfile(int Steps, double WindowBytesPerSecond, RoundTimes Times, IReadOnlyList<OpTime> Ops)
{
    /// <summary>Weight bytes the matmuls read a step (a mixture of experts: only the experts its tokens chose).</summary>
    public double BytesPerStep => Ops.Sum(o => (double)o.WeightBytes) / Steps;

    public double StepSeconds => Times.DecodeSeconds / Steps;

    public double MatMulSeconds => Ops.Where(o => o.WeightBytes > 0).Sum(o => o.Seconds) / Steps;

    public double OtherOpSeconds => Ops.Where(o => o.WeightBytes == 0).Sum(o => o.Seconds) / Steps;

    public double SampleSeconds => Times.DecodeSampleSeconds / Steps;

    /// <summary>The step's time outside the timed ops and sampling.</summary>
    public double RestSeconds => StepSeconds - MatMulSeconds - OtherOpSeconds - SampleSeconds;

    /// <summary>One line: the step and its matmuls against the window, then the other parts.</summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"window {WindowBytesPerSecond / 1e9:F1} GB/s | step {StepSeconds * 1e3:F2} ms, weights {BytesPerStep / StepSeconds / 1e9:F1} GB/s ({Share(BytesPerStep / StepSeconds)}) | " +
        $"matmuls {MatMulSeconds * 1e3:F2} ms ({BytesPerStep / MatMulSeconds / 1e9:F1} GB/s, {Share(BytesPerStep / MatMulSeconds)}) | " +
        $"other ops {OtherOpSeconds * 1e3:F2} ms | sampling {SampleSeconds * 1e3:F2} ms | rest {RestSeconds * 1e3:F2} ms");

    /// <summary>Each op's calls a step, time a step and a call, and for matmuls the bytes a second they read.</summary>
    public IEnumerable<string> Breakdown() => Ops.Select(o =>
        FormattableString.Invariant($"{o.Op,-36} {o.Calls / (double)Steps,6:F1} calls {o.Seconds / Steps * 1e3,8:F3} ms {o.Seconds / o.Calls * 1e6,9:F1} us a call") +
        (o.WeightBytes > 0 ? FormattableString.Invariant($" {o.WeightBytes / o.Seconds / 1e9,7:F1} GB/s") : ""));

    private string Share(double bytesPerSecond) => string.Create(CultureInfo.InvariantCulture, $"{100 * bytesPerSecond / WindowBytesPerSecond:F0}%");
}
