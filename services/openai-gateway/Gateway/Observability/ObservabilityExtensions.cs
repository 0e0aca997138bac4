using Gateway.Configuration;
using Inference.Observability;

namespace Gateway.Observability;

public static class ObservabilityExtensions
{
    public static IServiceCollection AddGatewayMetrics(this IServiceCollection services, GatewayOptions options)
    {
        // The exporter of GatewayMetrics.MeterName comes with the service defaults.
        services.AddSingleton<GatewayMetrics>();
        services.AddHttpClient<SchedulerMetricsScraper>(http =>
        {
            http.BaseAddress = new Uri(options.SchedulerAddress);
            http.Timeout = SchedulerMetricsScraper.Timeout;
        });
        return services;
    }

    /// <summary><c>GET /metrics</c>: the gateway's series and the scheduler's, in the Prometheus text format.</summary>
    public static WebApplication MapGatewayMetrics(this WebApplication app)
    {
        // Resolve the exporter now so it listens from the first request on, not from the first scrape; and the
        // instruments, so their families are exported from the start, not from the first request.
        app.Services.GetRequiredService<PrometheusTextExporter>();
        app.Services.GetRequiredService<GatewayMetrics>();
        app.MapGet("/metrics", MetricsEndpoint.RenderAsync);
        return app;
    }
}
