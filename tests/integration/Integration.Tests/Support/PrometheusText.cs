using System.Globalization;
using System.Text.RegularExpressions;

namespace Integration.Tests;

/// <summary>Reads samples out of the Prometheus text format (the gateway's <c>/metrics</c>), enough for the tests' assertions.</summary>
public static partial class PrometheusText
{
    public static async Task<string> ScrapeAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("/metrics", cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>Each sample of the family <paramref name="name"/>: its labels and its value.</summary>
    public static IEnumerable<(IReadOnlyDictionary<string, string> Labels, double Value)> Samples(string text, string name)
    {
        foreach (var line in text.Split('\n'))
        {
            var sample = Sample().Match(line.TrimEnd('\r'));
            if (!sample.Success || sample.Groups["name"].Value != name) continue;
            var labels = Label().Matches(sample.Groups["labels"].Value).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value);
            yield return (labels, double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The samples of <paramref name="name"/> that carry <paramref name="label"/>, summed by its value.</summary>
    public static IReadOnlyDictionary<string, double> ByLabel(string text, string name, string label) =>
        Samples(text, name).Where(s => s.Labels.ContainsKey(label))
            .GroupBy(s => s.Labels[label]).ToDictionary(g => g.Key, g => g.Sum(s => s.Value));

    /// <summary>The sum of every sample of <paramref name="name"/>; 0 when it has none.</summary>
    public static double Sum(string text, string name) => Samples(text, name).Sum(s => s.Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>\S+)")]
    private static partial Regex Sample();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>[^""]*)""")]
    private static partial Regex Label();
}
