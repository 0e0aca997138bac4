using System.Diagnostics;
using System.Globalization;

namespace Inference.Hub;

/// <summary>Download progress as lines on a writer (stderr in the CLI): at most one every two seconds, and 100%.</summary>
public sealed class TextDownloadProgress(TextWriter writer) : IProgress<DownloadProgress>
{
    private const double MiB = 1024 * 1024;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private long _lastMs = -10_000;
    private bool _done;

    public void Report(DownloadProgress value)
    {
        lock (_gate)
        {
            var complete = value.BytesDone >= value.BytesTotal;
            if (_done || (!complete && _clock.ElapsedMilliseconds - _lastMs < 2000)) return;
            _lastMs = _clock.ElapsedMilliseconds;
            _done = complete;
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"download {value.RepoId}: {value.Fraction * 100:F0}% ({value.BytesDone / MiB:F1} of {value.BytesTotal / MiB:F1} MiB) {value.FileName}"));
        }
    }
}
