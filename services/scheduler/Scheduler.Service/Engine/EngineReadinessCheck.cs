using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Scheduler.Service.Engine;

/// <summary>Ready (gRPC health SERVING) only when a request can be served: the tokenizer answers and a worker serves.</summary>
public sealed class EngineReadinessCheck(EngineHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var reasons = host.NotReadyReasons();
        return Task.FromResult(reasons.Count == 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(string.Join("; ", reasons)));
    }
}
