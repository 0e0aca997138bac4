using System.Diagnostics.Metrics;

namespace Inference.Observability;

/// <summary>How an instrument's measurements combine into one value per label set.</summary>
internal enum Aggregation
{
    /// <summary>Measurements are increments: add them up (Counter, UpDownCounter).</summary>
    Sum,

    /// <summary>Each measurement is the current value: keep the last one (gauges, and observable counters, whose callbacks report totals).</summary>
    LastValue,

    /// <summary>Count measurements into buckets, with their sum and count.</summary>
    Histogram,
}

/// <summary>What an instrument becomes in Prometheus: its metric type and how its values aggregate.</summary>
/// <param name="Type">The <c># TYPE</c> word: counter, gauge or histogram.</param>
/// <param name="Aggregation">How measurements combine.</param>
/// <param name="IsObservable">Its values come from callbacks run at each scrape.</param>
internal sealed record InstrumentShape(string Type, Aggregation Aggregation, bool IsObservable)
{
    private static readonly InstrumentShape _counter = new("counter", Aggregation.Sum, false);
    private static readonly InstrumentShape _upDownCounter = new("gauge", Aggregation.Sum, false);
    private static readonly InstrumentShape _histogram = new("histogram", Aggregation.Histogram, false);
    private static readonly InstrumentShape _gauge = new("gauge", Aggregation.LastValue, false);
    private static readonly InstrumentShape _observableCounter = new("counter", Aggregation.LastValue, true);
    private static readonly InstrumentShape _observableGauge = new("gauge", Aggregation.LastValue, true);

    public bool IsCounter => Type == "counter";

    /// <summary>The shape of a System.Diagnostics.Metrics instrument, or null for a kind this exporter does not know.</summary>
    public static InstrumentShape? Of(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(Counter<>) ? _counter
            : definition == typeof(UpDownCounter<>) ? _upDownCounter
            : definition == typeof(Histogram<>) ? _histogram
            : definition == typeof(Gauge<>) ? _gauge
            : definition == typeof(ObservableCounter<>) ? _observableCounter
            // An observable up-down counter reports its current total, which may go down: a gauge.
            : definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>) ? _observableGauge
            : null;
    }
}
