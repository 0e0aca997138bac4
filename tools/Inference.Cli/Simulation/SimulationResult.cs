namespace Inference.Cli.Simulation;

/// <summary>What one policy did with the workload. Times are virtual unless named wall or scheduler time.</summary>
/// <param name="Policy">prefix, least-loaded or round-robin.</param>
/// <param name="VirtualSeconds">From the start to the last request's end.</param>
/// <param name="PrefixCacheHitRate">Prompt tokens found in a prefix cache over prompt tokens looked up, when requests started.</param>
/// <param name="RequestsPerWorker">Requests each worker finished: min, mean, max over workers.</param>
/// <param name="BusyFraction">Share of <see cref="VirtualSeconds"/> each worker spent in steps: min, mean, max.</param>
/// <param name="SchedulerMicrosecondsPerStep">Wall time inside the fleet's Add, BuildStep and CompleteStep over all steps.</param>
/// <param name="SchedulerSeconds">That time in total.</param>
/// <param name="WallSeconds">The whole simulation, workload generation and bookkeeping included.</param>
internal sealed record SimulationResult(
    string Policy,
    int Requests,
    double VirtualSeconds,
    long OutputTokens,
    double OutputTokensPerSecond,
    double RequestsPerSecond,
    Percentiles TtftSeconds,
    Percentiles InterTokenSeconds,
    Percentiles EndToEndSeconds,
    long PrefixCacheQueryTokens,
    long PrefixCacheHitTokens,
    double PrefixCacheHitRate,
    Spread RequestsPerWorker,
    Spread BusyFraction,
    long Preemptions,
    long Steps,
    double SchedulerMicrosecondsPerStep,
    double SchedulerSeconds,
    double WallSeconds);

internal sealed record Percentiles(double P50, double P99)
{
    public static Percentiles Of(LatencyHistogram histogram) => new(histogram.Percentile(0.50), histogram.Percentile(0.99));
}

internal sealed record Spread(double Min, double Mean, double Max)
{
    public static Spread Of(IReadOnlyCollection<double> values) => new(values.Min(), values.Average(), values.Max());
}
