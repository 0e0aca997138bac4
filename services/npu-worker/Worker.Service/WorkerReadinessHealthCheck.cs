using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Worker.Service;

/// <summary>Backs the standard grpc.health.v1 service: serving only once the warm-up step ran.</summary>
public sealed class WorkerReadinessHealthCheck(ModelHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.IsReady ? HealthCheckResult.Healthy("model loaded, warm-up done") : HealthCheckResult.Unhealthy("model loading"));
}
