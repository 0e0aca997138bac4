using System.Diagnostics.Metrics;

namespace Gateway.Tests.Fakes;

/// <summary>Meters for a store built outside a host (its occupancy gauges go nowhere).</summary>
public sealed class PlainMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose() => _meters.ForEach(m => m.Dispose());
}
