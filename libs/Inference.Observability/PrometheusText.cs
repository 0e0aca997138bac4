namespace Inference.Observability;

/// <summary>The Prometheus text exposition format, version 0.0.4.</summary>
public static class PrometheusText
{
    /// <summary>What Prometheus expects on <c>/metrics</c>.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";
}
