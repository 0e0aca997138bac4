using System.Text;

namespace Inference.Observability;

/// <summary>The Prometheus text exposition format, version 0.0.4.</summary>
public static class PrometheusText
{
    /// <summary>What Prometheus expects on <c>/metrics</c>.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Sample name suffixes that belong to the family named without them (histograms, summaries, counters).</summary>
    private static readonly string[] _sampleSuffixes = ["_bucket", "_sum", "_count", "_total", "_created"];

    /// <summary>
    /// Joins expositions into one, in order. A metric family that an earlier text already has is left out of a later
    /// one, with a comment saying so: Prometheus would otherwise store both sets of series under one name, and
    /// dashboards that sum them would count twice.
    /// </summary>
    public static string Join(params IEnumerable<string> texts)
    {
        var output = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            var families = new HashSet<string>(StringComparer.Ordinal);
            var dropped = new List<string>();
            string? family = null;
            var skipping = false;
            foreach (var line in text.Split('\n'))
            {
                if (line.Length == 0)
                {
                    continue;
                }

                var name = FamilyOf(line, family);
                if (name != family)
                {
                    family = name;
                    skipping = name is not null && seen.Contains(name);
                    if (name is not null && families.Add(name) && skipping)
                    {
                        dropped.Add(name);
                    }
                }

                if (!skipping)
                {
                    output.Append(line).Append('\n');
                }
            }

            foreach (var name in dropped)
            {
                output.Append("# dropped a second ").Append(name).Append(" family: an earlier source exports it\n");
            }

            seen.UnionWith(families);
        }

        return output.ToString();
    }

    /// <summary>The family a line belongs to: named by HELP/TYPE, else the current one for its samples and comments.</summary>
    private static string? FamilyOf(string line, string? current)
    {
        if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal))
        {
            var rest = line.AsSpan(7);
            var end = rest.IndexOf(' ');
            return (end < 0 ? rest : rest[..end]).ToString();
        }

        if (line.StartsWith('#'))
        {
            return current;
        }

        var nameEnd = line.AsSpan().IndexOfAny('{', ' ');
        var sample = nameEnd < 0 ? line : line[..nameEnd];
        return current is not null && BelongsTo(sample, current) ? current : sample;
    }

    private static bool BelongsTo(string sample, string family) =>
        sample == family
        || (sample.StartsWith(family, StringComparison.Ordinal) && _sampleSuffixes.Contains(sample[family.Length..]));
}
