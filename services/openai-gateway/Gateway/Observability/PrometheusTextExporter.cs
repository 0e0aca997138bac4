using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Gateway.Observability;

/// <summary>
/// Keeps running totals of the gateway's counters and histograms and writes them in the Prometheus text format.
/// Hand-written because vLLM's metric names contain ':', which OpenTelemetry instrument names may not.
/// </summary>
public sealed class PrometheusTextExporter : IDisposable
{
    private static readonly double[] _defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly Dictionary<Instrument, Series> _series = [];
    private readonly Lock _lock = new();

    /// <param name="meterFactory">Only meters of this factory are exported (tests host several gateways in one process).</param>
    public PrometheusTextExporter(IMeterFactory meterFactory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == GatewayMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                lock (_lock)
                {
                    _series[instrument] = new Series(instrument);
                }

                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public string Render()
    {
        var text = new StringBuilder();
        lock (_lock)
        {
            foreach (var series in _series.Values.OrderBy(s => s.Instrument.Name, StringComparer.Ordinal))
            {
                series.Render(text);
            }
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        lock (_lock)
        {
            if (_series.TryGetValue(instrument, out var series))
            {
                series.Add(labels, value);
            }
        }
    }

    /// <summary>Tags as a sorted Prometheus label list, <c>a="1",b="2"</c>.</summary>
    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var pairs = new List<string>(tags.Length);
        foreach (var tag in tags)
        {
            var value = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "";
            pairs.Add($"{tag.Key}=\"{value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")}\"");
        }

        pairs.Sort(StringComparer.Ordinal);
        return string.Join(',', pairs);
    }

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>One instrument's values per label set: a running sum, or histogram buckets.</summary>
    private sealed class Series(Instrument instrument)
    {
        private readonly double[] _bounds = instrument is Histogram<double> { Advice.HistogramBucketBoundaries: { } bounds }
            ? [.. bounds]
            : _defaultBuckets;

        private readonly SortedDictionary<string, Totals> _byLabels = new(StringComparer.Ordinal);

        public Instrument Instrument => instrument;

        private bool IsHistogram => instrument is Histogram<double> or Histogram<long>;

        public void Add(string labels, double value)
        {
            if (!_byLabels.TryGetValue(labels, out var totals))
            {
                totals = new Totals(_bounds.Length);
                _byLabels[labels] = totals;
            }

            totals.Sum += value;
            totals.Count++;
            var bucket = Array.FindIndex(_bounds, bound => value <= bound);
            totals.Buckets[bucket < 0 ? _bounds.Length : bucket]++;
        }

        public void Render(StringBuilder text)
        {
            var name = IsHistogram ? instrument.Name : instrument.Name + "_total";
            text.Append("# HELP ").Append(name).Append(' ').Append(instrument.Description).Append('\n');
            text.Append("# TYPE ").Append(name).Append(IsHistogram ? " histogram\n" : " counter\n");
            foreach (var (labels, totals) in _byLabels)
            {
                if (!IsHistogram)
                {
                    text.Append(name).Append('{').Append(labels).Append("} ").Append(Number(totals.Sum)).Append('\n');
                    continue;
                }

                long cumulative = 0;
                for (var i = 0; i <= _bounds.Length; i++)
                {
                    cumulative += totals.Buckets[i];
                    var le = i < _bounds.Length ? Number(_bounds[i]) : "+Inf";
                    var separator = labels.Length > 0 ? "," : "";
                    text.Append(name).Append("_bucket{").Append(labels).Append(separator)
                        .Append("le=\"").Append(le).Append("\"} ").Append(cumulative).Append('\n');
                }

                text.Append(name).Append("_sum{").Append(labels).Append("} ").Append(Number(totals.Sum)).Append('\n');
                text.Append(name).Append("_count{").Append(labels).Append("} ").Append(totals.Count).Append('\n');
            }
        }
    }

    private sealed class Totals(int boundCount)
    {
        public double Sum { get; set; }

        public long Count { get; set; }

        /// <summary>Per-bucket (not cumulative) counts; the last one is +Inf.</summary>
        public long[] Buckets { get; } = new long[boundCount + 1];
    }
}
