using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Scheduler.Service.Engine;

/// <summary>Ready (gRPC health SERVING) only once a worker serves and the tokenizer answered.</summary>
public sealed class EngineReadinessCheck(EngineHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = (host.Engine, host.TokenizerReady) switch
        {
            (null, _) => HealthCheckResult.Unhealthy("no worker registered"),
            (_, false) => HealthCheckResult.Unhealthy("tokenizer not reachable"),
            _ => HealthCheckResult.Healthy(),
        };
        return Task.FromResult(result);
    }
}
