using System.Globalization;

namespace Inference.Cli.Simulation;

/// <summary>The results as a table on stdout: one column per policy, one row per measure.</summary>
internal static class ResultTable
{
    private const int LabelWidth = 34;
    private const int ColumnWidth = 22;

    public static void Write(TextWriter output, IReadOnlyList<SimulationResult> results)
    {
        Row(output, "", results, r => r.Policy);
        Row(output, "virtual time (s)", results, r => F(r.VirtualSeconds, "F0"));
        Row(output, "output tokens/s", results, r => F(r.OutputTokensPerSecond, "F1"));
        Row(output, "requests/s", results, r => F(r.RequestsPerSecond, "F3"));
        Row(output, "TTFT p50 / p99 (s)", results, r => Pair(r.TtftSeconds.P50, r.TtftSeconds.P99, "F2"));
        Row(output, "inter-token p50 / p99 (ms)", results, r => Pair(r.InterTokenSeconds.P50 * 1000, r.InterTokenSeconds.P99 * 1000, "F0"));
        Row(output, "end-to-end p50 / p99 (s)", results, r => Pair(r.EndToEndSeconds.P50, r.EndToEndSeconds.P99, "F1"));
        Row(output, "prefix-cache hit rate", results, r => F(100 * r.PrefixCacheHitRate, "F1") + "%");
        Row(output, "requests per worker min/mean/max", results, r => Triple(r.RequestsPerWorker, 1, "F0"));
        Row(output, "busy per worker min/mean/max (%)", results, r => Triple(r.BusyFraction, 100, "F0"));
        Row(output, "preemptions", results, r => F(r.Preemptions, "F0"));
        Row(output, "steps", results, r => F(r.Steps, "F0"));
        Row(output, "scheduler µs/step (total s)", results, r => $"{F(r.SchedulerMicrosecondsPerStep, "F1")} ({F(r.SchedulerSeconds, "F1")})");
        Row(output, "wall time (s)", results, r => F(r.WallSeconds, "F1"));
    }

    private static void Row(TextWriter output, string label, IReadOnlyList<SimulationResult> results, Func<SimulationResult, string> cell) =>
        output.WriteLine(label.PadRight(LabelWidth) + string.Concat(results.Select(r => cell(r).PadLeft(ColumnWidth))));

    private static string Pair(double a, double b, string format) => $"{F(a, format)} / {F(b, format)}";

    private static string Triple(Spread spread, double scale, string format) =>
        $"{F(spread.Min * scale, format)}/{F(spread.Mean * scale, format)}/{F(spread.Max * scale, format)}";

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
