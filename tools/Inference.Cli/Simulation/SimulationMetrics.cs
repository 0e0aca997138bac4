using System.Diagnostics;
using System.Globalization;
using Scheduler.Core.Scheduling;

namespace Inference.Cli.Simulation;

/// <summary>What a simulation measures as it runs: per-request latencies (from arrival and token times), the
/// steps' counts, per-worker work, and the wall-clock time spent inside the scheduler core.</summary>
internal sealed class SimulationMetrics
{
    private readonly double[] _arrivalSeconds;
    private readonly double[] _lastTokenSeconds;
    private readonly double[] _busySeconds;
    private readonly int[] _served;
    private readonly LatencyHistogram _ttft = new();
    private readonly LatencyHistogram _interToken = new();
    private readonly LatencyHistogram _endToEnd = new();
    private long _outputTokens, _prefixQueries, _prefixHits, _preemptions, _steps, _schedulerTicks;

    public SimulationMetrics(int requests, int workers)
    {
        _arrivalSeconds = new double[requests];
        _lastTokenSeconds = new double[requests];
        Array.Fill(_lastTokenSeconds, double.NaN);
        _busySeconds = new double[workers];
        _served = new int[workers];
    }

    public int Finished { get; private set; }

    public void Arrived(SimulatedRequest request) => _arrivalSeconds[request.Index] = request.ArrivalSeconds;

    /// <summary>Time spent in one call into the fleet, as <see cref="Stopwatch.GetTimestamp"/> ticks.</summary>
    public void InScheduler(long ticks) => _schedulerTicks += ticks;

    /// <param name="stats">The step's counts as the scheduler built it (what the engine loop logs).</param>
    public void StepStarted(int worker, StepStats stats, double seconds)
    {
        _prefixQueries += stats.PrefixCacheQueries;
        _prefixHits += stats.PrefixCacheHits;
        _preemptions += stats.NumPreemptions;
        _busySeconds[worker] += seconds;
        _steps++;
    }

    public void Output(int worker, EngineOutput output, double now)
    {
        var index = int.Parse(output.RequestId, CultureInfo.InvariantCulture);
        if (output.NewTokens.Count > 0)
        {
            _outputTokens += output.NewTokens.Count;
            var last = _lastTokenSeconds[index];
            if (double.IsNaN(last))
            {
                _ttft.Add(now - _arrivalSeconds[index]);
            }
            else
            {
                _interToken.Add(now - last);
            }

            _lastTokenSeconds[index] = now;
        }

        if (output.Finish is not null)
        {
            _endToEnd.Add(now - _arrivalSeconds[index]);
            _served[worker]++;
            Finished++;
        }
    }

    public SimulationResult ToResult(string policy, double virtualSeconds, double wallSeconds)
    {
        var schedulerSeconds = (double)_schedulerTicks / Stopwatch.Frequency;
        return new SimulationResult(
            policy,
            Finished,
            virtualSeconds,
            _outputTokens,
            _outputTokens / virtualSeconds,
            Finished / virtualSeconds,
            Percentiles.Of(_ttft),
            Percentiles.Of(_interToken),
            Percentiles.Of(_endToEnd),
            _prefixQueries,
            _prefixHits,
            _prefixQueries == 0 ? 0 : (double)_prefixHits / _prefixQueries,
            Spread.Of(_served.Select(s => (double)s).ToArray()),
            Spread.Of(_busySeconds.Select(b => b / virtualSeconds).ToArray()),
            _preemptions,
            _steps,
            _steps == 0 ? 0 : schedulerSeconds * 1e6 / _steps,
            schedulerSeconds,
            wallSeconds);
    }
}
