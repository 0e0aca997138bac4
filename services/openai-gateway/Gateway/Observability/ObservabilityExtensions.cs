namespace Gateway.Observability;

public static class ObservabilityExtensions
{
    public const string PrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static IServiceCollection AddGatewayMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<PrometheusTextExporter>();
        return services;
    }

    /// <summary><c>GET /metrics</c> in the Prometheus text format.</summary>
    public static WebApplication MapGatewayMetrics(this WebApplication app)
    {
        // Resolve the exporter now so it listens from the first request on, not from the first scrape.
        var exporter = app.Services.GetRequiredService<PrometheusTextExporter>();
        app.MapGet("/metrics", () => Results.Text(exporter.Render(), PrometheusContentType));
        return app;
    }
}
