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
    /// Joins expositions into one, in the order given. When two texts have a family of the same name, only the later
    /// text's is kept and the earlier one's is left out with a comment: Prometheus would otherwise store both sets of
    /// series under one name, and dashboards that sum them would count twice. List sources from the nearest to the
    /// most complete (a front door's own series, then those of the engine behind it, which sees every request).
    /// </summary>
    public static string Join(params IEnumerable<string> texts)
    {
        var parsed = texts.Select(Parse).ToArray();
        var output = new StringBuilder();
        for (var i = 0; i < parsed.Length; i++)
        {
            var later = parsed.Skip(i + 1).SelectMany(lines => lines.Select(line => line.Family)).OfType<string>().ToHashSet();
            var dropped = new List<string>();
            foreach (var (line, family) in parsed[i])
            {
                if (family is null || !later.Contains(family))
                {
                    output.Append(line).Append('\n');
                }
                else if (!dropped.Contains(family))
                {
                    dropped.Add(family);
                    output.Append("# ").Append(family).Append(" left out here: a later source exports it\n");
                }
            }
        }

        return output.ToString();
    }

    /// <summary>Each non-empty line with the family it belongs to (null for a comment before any family).</summary>
    private static List<(string Line, string? Family)> Parse(string text)
    {
        var lines = new List<(string, string?)>();
        string? family = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length > 0)
            {
                family = FamilyOf(line, family);
                lines.Add((line, family));
            }
        }

        return lines;
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
