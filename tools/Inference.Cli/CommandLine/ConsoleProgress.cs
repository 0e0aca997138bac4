using System.Diagnostics;

namespace Inference.Cli.CommandLine;

/// <summary>Shows long work on stderr: a percentage at most every half second, so logs stay short.</summary>
public sealed class ConsoleProgress(string label) : IProgress<double>, IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private long _lastReportMs = -1000;
    private int _lastPercent = -1;

    public void Report(double value)
    {
        var percent = (int)Math.Clamp(value * 100, 0, 100);
        lock (_gate)
        {
            if (percent == _lastPercent || (percent < 100 && _clock.ElapsedMilliseconds - _lastReportMs < 500)) return;
            _lastPercent = percent;
            _lastReportMs = _clock.ElapsedMilliseconds;
            Console.Error.WriteLine($"{label}: {percent}% ({_clock.Elapsed.TotalSeconds:F1} s)");
        }
    }

    /// <summary>Reports 100% unless the work already did.</summary>
    public void Complete() => Report(1.0);

    public void Dispose() { }
}
