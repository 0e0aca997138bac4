using Inference.Observability;

namespace Gateway.Observability;

/// <summary>
/// <c>GET /metrics</c>: the gateway's own series, then the scheduler's, so Prometheus has one target for the whole
/// system (it cannot scrape the scheduler's h2c-only port itself). A family both export (vllm:request_success_total,
/// vllm:time_to_first_token_seconds, …) is served from the scheduler, which sees every request, front-door gRPC
/// clients included, and labels them per worker; the gateway's copy stands in only while the scheduler does not answer.
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
