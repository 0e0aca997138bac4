using System.Net;

namespace Gateway.Observability;

/// <summary>
/// Fetches the scheduler's own <c>GET /metrics</c> (the engine's vllm:* series, some per worker) from
/// <c>Gateway:SchedulerAddress</c>. The scheduler's port speaks cleartext HTTP/2 only, so the request asks for
/// exactly HTTP/2 with prior knowledge, as the gRPC clients do.
/// </summary>
public sealed partial class SchedulerMetricsScraper(HttpClient http, ILogger<SchedulerMetricsScraper> logger)
{
    /// <summary>Short, so a scheduler that hangs cannot hold the gateway's scrape past Prometheus' own timeout (10 s).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public const string Path = "/metrics";

    /// <summary>The scheduler's exposition text, or a comment line saying why it is missing.</summary>
    public async Task<string> ScrapeAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException
            && !cancellationToken.IsCancellationRequested)
        {
            var reason = exception is OperationCanceledException ? $"no answer within {Timeout.TotalSeconds} s" : exception.Message;
            // Debug: /health already reports a scheduler that is down, and the comment line below says it on every scrape.
            LogScrapeFailed(logger, http.BaseAddress, reason);
            return $"# gateway: the scheduler's metrics are missing ({http.BaseAddress}{Path.TrimStart('/')}: {reason.ReplaceLineEndings(" ")})\n";
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not scrape the scheduler's metrics at {Address}: {Reason}")]
    private static partial void LogScrapeFailed(ILogger logger, Uri? address, string reason);
}
