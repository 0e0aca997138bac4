using System.Diagnostics;

namespace Inference.Cli.Simulation;

/// <summary>"prefix: 12000/100000 requests done (3.2 s)" on stderr, at most once a second and once at the end,
/// so a long run shows it is alive without flooding a log.</summary>
internal sealed class SimulationProgress(string label, int total, TextWriter output) : IProgress<int>
{
    private static readonly long Interval = Stopwatch.Frequency;
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _lastReport = Stopwatch.GetTimestamp();

    public void Report(int done)
    {
        var now = Stopwatch.GetTimestamp();
        if (done < total && now - _lastReport < Interval)
        {
            return;
        }

        _lastReport = now;
        output.WriteLine($"{label}: {done}/{total} requests done ({Stopwatch.GetElapsedTime(_started, now).TotalSeconds:F1} s)");
    }
}
