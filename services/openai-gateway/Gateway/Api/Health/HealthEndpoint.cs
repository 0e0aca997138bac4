using Gateway.Api.Json;
using Gateway.Backends;
using Gateway.Configuration;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Health;

/// <summary>
/// <c>GET /health</c>: 200 only when a request can be served end to end, else 503 naming what is missing. It asks the
/// scheduler (<c>GetStatus</c>: its tokenizer and a ready worker) and pings the tokenizer this gateway uses for
/// <c>/tokenize</c> and token texts, both at once and bounded by <see cref="GatewayOptions.HealthTimeoutSeconds"/>.
/// Two small calls and no generation, because it is polled.
/// </summary>
public static partial class HealthEndpoint
{
    public static async Task<IResult> CheckAsync(
        IGenerationService generation,
        ITokenizerService tokenizer,
        IOptions<GatewayOptions> options,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(options.Value.HealthTimeoutSeconds);
        var scheduler = CheckSchedulerAsync(generation, deadline, cancellationToken);
        var tokenizerReason = CheckTokenizerAsync(tokenizer, deadline, cancellationToken);
        var (workers, reasons) = await scheduler;
        if (await tokenizerReason is { } reason)
        {
            reasons = [.. reasons, reason];
        }

        if (reasons.Count == 0)
        {
            return Results.Json(new HealthyResponse("ok", workers), ApiJson.Context.HealthyResponse);
        }

        // Debug: launchers and orchestrators poll /health while the system starts; the 503 itself is the signal.
        LogNotReady(loggerFactory.CreateLogger(typeof(HealthEndpoint).FullName!), reasons);
        return Results.Json(
            new UnhealthyResponse("unavailable", reasons),
            ApiJson.Context.UnhealthyResponse,
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<(int Workers, IReadOnlyList<string> Reasons)> CheckSchedulerAsync(
        IGenerationService generation, DateTime deadline, CancellationToken cancellationToken)
    {
        try
        {
            var status = await generation.GetStatusAsync(deadline, cancellationToken);
            return status.Ready
                ? (status.ReadyWorkers, [])
                : (status.ReadyWorkers, status.NotReadyReasons.Count > 0 ? status.NotReadyReasons : ["scheduler not ready"]);
        }
        catch (RpcException exception) when (!cancellationToken.IsCancellationRequested)
        {
            return (0, [Unreachable("scheduler", exception)]);
        }
    }

    private static async Task<string?> CheckTokenizerAsync(
        ITokenizerService tokenizer, DateTime deadline, CancellationToken cancellationToken)
    {
        try
        {
            await tokenizer.PingAsync(deadline, cancellationToken);
            return null;
        }
        catch (RpcException exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The scheduler checks its own tokenizer connection; this one serves /tokenize and token texts.
            return Unreachable("tokenizer (from the gateway)", exception);
        }
    }

    private static string Unreachable(string service, RpcException exception) => exception.StatusCode switch
    {
        StatusCode.Unavailable => $"{service} not reachable: {exception.Status.Detail}",
        StatusCode.DeadlineExceeded => $"{service} did not answer in time",
        _ => $"{service} failed: {exception.StatusCode}: {exception.Status.Detail}",
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Health: not ready: {Reasons}")]
    private static partial void LogNotReady(ILogger logger, IReadOnlyList<string> reasons);
}
