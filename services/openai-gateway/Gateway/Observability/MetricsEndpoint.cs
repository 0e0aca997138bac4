using Inference.Observability;

namespace Gateway.Observability;

/// <summary>
/// <c>GET /metrics</c>: the gateway's own series, then the scheduler's (one scrape target for the whole system).
/// Always 200: a scheduler that does not answer leaves a comment line instead of its series.
/// </summary>
public static class MetricsEndpoint
{
    public static async Task<IResult> RenderAsync(
        PrometheusTextExporter exporter, SchedulerMetricsScraper scheduler, CancellationToken cancellationToken)
    {
        var schedulerText = await scheduler.ScrapeAsync(cancellationToken);
        return Results.Text(PrometheusText.Join(exporter.Render(), schedulerText), PrometheusText.ContentType);
    }
}
