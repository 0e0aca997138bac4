using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Observability;

public static class PrometheusExporterExtensions
{
    /// <summary>
    /// Registers <see cref="IMeterFactory"/> and a <see cref="PrometheusTextExporter"/> of the meters named
    /// <paramref name="meterNames"/> (create them through the injected <see cref="IMeterFactory"/>).
    /// </summary>
    public static IServiceCollection AddPrometheusTextExporter(this IServiceCollection services, params string[] meterNames)
    {
        services.AddMetrics();
        services.AddSingleton(provider => new PrometheusTextExporter(provider.GetRequiredService<IMeterFactory>(), meterNames));
        return services;
    }

    /// <summary><c>GET <paramref name="path"/></c> in the Prometheus text format.</summary>
    public static WebApplication MapPrometheusMetrics(this WebApplication app, string path = "/metrics")
    {
        // Resolve the exporter now so it listens from the first request on, not from the first scrape.
        var exporter = app.Services.GetRequiredService<PrometheusTextExporter>();
        app.MapGet(path, () => Results.Text(exporter.Render(), PrometheusText.ContentType));
        return app;
    }
}
