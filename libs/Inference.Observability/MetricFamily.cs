using System.Diagnostics.Metrics;
using System.Text;

namespace Inference.Observability;

/// <summary>One instrument as a Prometheus metric family: its value (or histogram) per label set.</summary>
internal sealed class MetricFamily
{
    /// <summary>Used when a histogram gives no bucket advice (Prometheus client libraries' defaults).</summary>
    private static readonly double[] _defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Instrument _instrument;
    private readonly InstrumentShape _shape;
    private readonly double[] _bounds;
    private readonly SortedDictionary<string, SeriesValue> _series = new(StringComparer.Ordinal);

    private MetricFamily(Instrument instrument, InstrumentShape shape)
    {
        _instrument = instrument;
        _shape = shape;
        _bounds = shape.Aggregation == Aggregation.Histogram ? AdvisedBounds(instrument) ?? _defaultBuckets : [];
        Name = PrometheusFormat.MetricName(instrument.Name, shape.IsCounter);
    }

    /// <summary>The metric name as exported.</summary>
    public string Name { get; }

    public bool IsObservable => _shape.IsObservable;

    /// <summary>A family for <paramref name="instrument"/>, or null when its kind is not supported.</summary>
    public static MetricFamily? TryCreate(Instrument instrument) =>
        InstrumentShape.Of(instrument) is { } shape ? new MetricFamily(instrument, shape) : null;

    public void Record(string labels, double value)
    {
        if (!_series.TryGetValue(labels, out var series))
        {
            series = new SeriesValue(_bounds.Length);
            _series[labels] = series;
        }

        switch (_shape.Aggregation)
        {
            case Aggregation.Sum:
                series.Sum += value;
                break;
            case Aggregation.LastValue:
                series.Sum = value;
                break;
            default:
                series.Sum += value;
                series.Count++;
                var bucket = Array.FindIndex(_bounds, bound => value <= bound);
                series.Buckets[bucket < 0 ? _bounds.Length : bucket]++;
                break;
        }
    }

    /// <summary>
    /// Drops every label set, before the callbacks of an observable instrument report afresh: a label set the callback
    /// no longer reports (a worker that left) disappears instead of showing its last value forever.
    /// </summary>
    public void Clear() => _series.Clear();

    public void Render(StringBuilder text)
    {
        if (!string.IsNullOrEmpty(_instrument.Description))
        {
            text.Append("# HELP ").Append(Name).Append(' ').Append(PrometheusFormat.EscapeHelp(_instrument.Description)).Append('\n');
        }

        text.Append("# TYPE ").Append(Name).Append(' ').Append(_shape.Type).Append('\n');
        foreach (var (labels, series) in _series)
        {
            if (_shape.Aggregation == Aggregation.Histogram)
            {
                RenderHistogram(text, labels, series);
            }
            else
            {
                text.AppendSeries(Name, labels).Append(' ').Append(PrometheusFormat.Number(series.Sum)).Append('\n');
            }
        }
    }

    private void RenderHistogram(StringBuilder text, string labels, SeriesValue series)
    {
        long cumulative = 0;
        for (var i = 0; i <= _bounds.Length; i++)
        {
            cumulative += series.Buckets[i];
            var le = i < _bounds.Length ? PrometheusFormat.Number(_bounds[i]) : "+Inf";
            text.AppendSeries(Name + "_bucket", labels, $"le=\"{le}\"").Append(' ').Append(cumulative).Append('\n');
        }

        text.AppendSeries(Name + "_sum", labels).Append(' ').Append(PrometheusFormat.Number(series.Sum)).Append('\n');
        text.AppendSeries(Name + "_count", labels).Append(' ').Append(series.Count).Append('\n');
    }

    private static double[]? AdvisedBounds(Instrument instrument) => instrument switch
    {
        Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
        Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<short> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<byte> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<decimal> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        _ => null,
    };

    /// <summary>A label set's value: a sum or last value, or a histogram's sum, count and per-bucket counts.</summary>
    private sealed class SeriesValue(int boundCount)
    {
        public double Sum { get; set; }

        public long Count { get; set; }

        /// <summary>Per-bucket (not cumulative) counts; the last one is +Inf.</summary>
        public long[] Buckets { get; } = new long[boundCount + 1];
    }
}
