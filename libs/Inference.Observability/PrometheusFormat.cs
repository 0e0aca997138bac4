using System.Globalization;
using System.Text;

namespace Inference.Observability;

/// <summary>The spelling rules of the Prometheus text format: names, label sets, numbers and help text.</summary>
internal static class PrometheusFormat
{
    private const string TotalSuffix = "_total";

    /// <summary>
    /// The metric name of an instrument: characters Prometheus does not allow become '_', and ':' stays (vLLM's
    /// names are <c>vllm:…</c>). A counter ends in <c>_total</c>, added only when the name lacks it.
    /// </summary>
    public static string MetricName(string instrumentName, bool isCounter)
    {
        var name = Sanitize(instrumentName, allowColon: true);
        return isCounter && !name.EndsWith(TotalSuffix, StringComparison.Ordinal) ? name + TotalSuffix : name;
    }

    /// <summary>Tags as a sorted label list, <c>a="1",b="2"</c>; empty when there are no tags.</summary>
    public static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return "";
        }

        var pairs = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            var value = Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? "";
            pairs[i] = $"{Sanitize(tags[i].Key, allowColon: false)}=\"{EscapeLabelValue(value)}\"";
        }

        Array.Sort(pairs, StringComparer.Ordinal);
        return string.Join(',', pairs);
    }

    /// <summary><c>name{labels}</c>, or just <c>name</c> without labels; <paramref name="extra"/> is one more label, already written.</summary>
    public static StringBuilder AppendSeries(this StringBuilder text, string name, string labels, string? extra = null)
    {
        text.Append(name);
        if (labels.Length == 0 && extra is null)
        {
            return text;
        }

        text.Append('{').Append(labels);
        if (extra is not null)
        {
            text.Append(labels.Length > 0 ? "," : "").Append(extra);
        }

        return text.Append('}');
    }

    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ => double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Help text may hold anything but a raw backslash or line break.</summary>
    public static string EscapeHelp(string help) => help.Replace("\\", "\\\\").Replace("\n", "\\n");

    private static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    /// <summary>Names match <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c> (label names without ':').</summary>
    private static string Sanitize(string name, bool allowColon)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            var allowed = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            if (!allowed)
            {
                chars[i] = '_';
            }
        }

        return chars.Length == 0 ? "_" : new string(chars);
    }
}
