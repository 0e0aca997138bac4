using System.Diagnostics.Metrics;
using System.Text;

namespace Inference.Observability;

/// <summary>
/// Listens to the instruments of chosen meters and writes their values in the Prometheus text format (0.0.4).
/// Hand-written because vLLM's metric names contain ':', which OpenTelemetry's exporter would rewrite.
/// </summary>
/// <remarks>
/// Counter → <c>counter</c> (summed, <c>_total</c> appended unless present); UpDownCounter → <c>gauge</c> (summed);
/// Gauge, ObservableGauge, ObservableUpDownCounter → <c>gauge</c> (last value per label set); ObservableCounter →
/// <c>counter</c> (its callback's total); Histogram → <c>histogram</c> (bucket advice, else Prometheus' defaults).
/// Observable instruments are read at each <see cref="Render"/>, and show only the label sets their callbacks report then.
/// </remarks>
public sealed class PrometheusTextExporter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<Instrument, MetricFamily> _families = [];

    /// <summary>Guards <see cref="_families"/> and their values (measurements arrive on any thread).</summary>
    private readonly Lock _values = new();

    /// <summary>One scrape at a time: clear the observable families, run their callbacks, render.</summary>
    private readonly Lock _scrape = new();

    /// <param name="meterFactory">
    /// Only meters created by this factory are exported (meters made with <c>new Meter(…)</c> are not; tests host
    /// several services in one process, each with its own factory).
    /// </param>
    /// <param name="meterNames">The meters to export, by name.</param>
    public PrometheusTextExporter(IMeterFactory meterFactory, IEnumerable<string> meterNames)
    {
        var names = meterNames.ToHashSet(StringComparer.Ordinal);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!names.Contains(instrument.Meter.Name)
                || !ReferenceEquals(instrument.Meter.Scope, meterFactory)
                || MetricFamily.TryCreate(instrument) is not { } family)
            {
                return;
            }

            lock (_values)
            {
                _families[instrument] = family;
            }

            listener.EnableMeasurementEvents(instrument, family);
        };
        _listener.MeasurementsCompleted = (instrument, _) =>
        {
            lock (_values)
            {
                _families.Remove(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<byte>((_, value, tags, family) => Record(family, value, tags));
        _listener.SetMeasurementEventCallback<short>((_, value, tags, family) => Record(family, value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, family) => Record(family, value, tags));
        _listener.SetMeasurementEventCallback<long>((_, value, tags, family) => Record(family, value, tags));
        _listener.SetMeasurementEventCallback<float>((_, value, tags, family) => Record(family, value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, family) => Record(family, value, tags));
        _listener.SetMeasurementEventCallback<decimal>((_, value, tags, family) => Record(family, (double)value, tags));
        _listener.Start();
    }

    /// <summary>Every exported family, sorted by name, after reading the observable instruments.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        lock (_scrape)
        {
            CollectObservables(text);
            lock (_values)
            {
                foreach (var family in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
                {
                    family.Render(text);
                }
            }
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void CollectObservables(StringBuilder text)
    {
        lock (_values)
        {
            foreach (var family in _families.Values.Where(f => f.IsObservable))
            {
                family.Clear();
            }
        }

        try
        {
            // Runs the callbacks on this thread; their measurements come back through Record.
            _listener.RecordObservableInstruments();
        }
        catch (AggregateException failures)
        {
            // The listener runs every callback and then throws what failed: export the rest, and say so.
            foreach (var failure in failures.InnerExceptions)
            {
                text.Append("# an observable instrument's callback failed: ")
                    .Append(PrometheusFormat.EscapeHelp(failure.Message)).Append('\n');
            }
        }
    }

    private void Record(object? state, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = PrometheusFormat.Labels(tags);
        lock (_values)
        {
            // A measurement may race the instrument's removal; a family no longer listed is dropped with it.
            if (state is MetricFamily family)
            {
                family.Record(labels, value);
            }
        }
    }
}
