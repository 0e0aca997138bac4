namespace Inference.Hub.Tests.Fakes;

/// <summary>Keeps every progress report, synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
public sealed class RecordingProgress : IProgress<DownloadProgress>
{
    private readonly List<DownloadProgress> _reports = [];

    public IReadOnlyList<DownloadProgress> Reports
    {
        get { lock (_reports) return [.. _reports]; }
    }

    public void Report(DownloadProgress value)
    {
        lock (_reports) _reports.Add(value);
    }
}
