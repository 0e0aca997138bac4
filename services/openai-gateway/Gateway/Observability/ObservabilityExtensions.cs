using Inference.Observability;

namespace Gateway.Observability;

public static class ObservabilityExtensions
{
    public static IServiceCollection AddGatewayMetrics(this IServiceCollection services)
    {
        services.AddPrometheusTextExporter(GatewayMetrics.MeterName);
        services.AddSingleton<GatewayMetrics>();
        return services;
    }

    /// <summary><c>GET /metrics</c> in the Prometheus text format.</summary>
    public static WebApplication MapGatewayMetrics(this WebApplication app) => app.MapPrometheusMetrics();
}
