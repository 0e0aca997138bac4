using System.Globalization;
using System.Text.RegularExpressions;

namespace Integration.Tests.Fleet;

/// <summary>Reads samples from the gateway's <c>/metrics</c> (Prometheus text format).</summary>
public static partial class PrometheusText
{
    public static async Task<string> ScrapeAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("/metrics", cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>The value of every sample of <paramref name="name"/>, keyed by its <paramref name="label"/> (samples without
    /// that label under "").</summary>
    public static IReadOnlyDictionary<string, double> ByLabel(string text, string name, string label)
    {
        var values = new Dictionary<string, double>();
        foreach (var line in text.Split('\n'))
        {
            if (Sample().Match(line) is not { Success: true } match || match.Groups["name"].Value != name) continue;
            var labelMatch = Regex.Match(match.Groups["labels"].Value, $@"(?:^|,){Regex.Escape(label)}=""([^""]*)""");
            var key = labelMatch.Success ? labelMatch.Groups[1].Value : "";
            values[key] = values.GetValueOrDefault(key) + double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return values;
    }

    /// <summary>The sum of every sample of <paramref name="name"/> (0 when there is none yet).</summary>
    public static double Sum(string text, string name) => ByLabel(text, name, "worker").Values.Sum();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>[^}]*)\})?\s+(?<value>\S+)")]
    private static partial Regex Sample();
}
