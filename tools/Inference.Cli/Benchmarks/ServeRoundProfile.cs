using System.Diagnostics;
using System.Globalization;

namespace Inference.Cli.Benchmarks;

/// <summary>
/// Where the time of an end-to-end window went: per step, the wall time, the time inside the worker and the time
/// from sending a step to its result (the rest of the wall time the worker waited for the scheduler); and the CPU
/// each process used, which on a small machine is taken from the worker's compute threads.
/// </summary>
public static class ServeRoundProfile
{
    public static string Describe(ServeSample before, ServeSample after)
    {
        double wall = Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds;
        double steps = after.Steps - before.Steps;
        double worker = after.WorkerStepSeconds - before.WorkerStepSeconds;
        double call = after.StepCallSeconds - before.StepCallSeconds;
        var cpu = after.CpuByProcess
            .Where(p => before.CpuByProcess.ContainsKey(p.Key))
            .Select(p => (Name: p.Key, Seconds: (p.Value - before.CpuByProcess[p.Key]).TotalSeconds))
            .OrderByDescending(p => p.Seconds)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.Seconds:F2} s ({100 * p.Seconds / wall:F0}%)"));
        var perStep = steps <= 0
            ? "no steps"
            : string.Create(CultureInfo.InvariantCulture,
                $"{steps:F0} steps, per step {1000 * wall / steps:F1} ms wall, {1000 * worker / steps:F1} ms in the worker, {1000 * call / steps:F1} ms call (worker busy {100 * worker / wall:F0}%)");
        return string.Create(CultureInfo.InvariantCulture, $"{wall:F2} s: {perStep}; cpu: {string.Join(", ", cpu)}");
    }
}
