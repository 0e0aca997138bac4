using System.Globalization;

namespace Inference.Cli.Benchmarks;

/// <summary>Reads Prometheus text exposition: each metric's value summed over its label sets.</summary>
public static class PrometheusSums
{
    /// <returns>Sum per metric name (the name as written, before any labels); comment lines are skipped.</returns>
    public static IReadOnlyDictionary<string, double> Parse(string text)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int nameEnd = line.IndexOfAny(['{', ' ']);
            int valueStart = line.LastIndexOf(' ');
            if (nameEnd <= 0 || valueStart < nameEnd
                || !double.TryParse(line.AsSpan(valueStart + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var name = line[..nameEnd];
            sums[name] = sums.GetValueOrDefault(name) + value;
        }

        return sums;
    }
}
