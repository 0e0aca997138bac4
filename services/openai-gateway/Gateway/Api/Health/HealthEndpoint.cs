using Gateway.Backends;
using Gateway.Configuration;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Health;

/// <summary>
/// <c>GET /health</c>: 200 when the scheduler answers and has at least one worker, else 503. It asks the scheduler
/// every time, so it proves the whole path a request would take, not just that this process runs.
/// </summary>
public static partial class HealthEndpoint
{
    public static async Task<IResult> CheckAsync(
        IGenerationService generation,
        ServedModel servedModel,
        IOptions<GatewayOptions> options,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(typeof(HealthEndpoint).FullName!);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(options.Value.HealthTimeoutSeconds);
            var info = await generation.GetModelInfoAsync(deadline, cancellationToken);
            servedModel.Remember(info);
            if (info.NumWorkers >= 1)
            {
                return Results.Ok();
            }

            LogNoWorkers(logger);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
        catch (RpcException exception) when (!cancellationToken.IsCancellationRequested)
        {
            LogSchedulerUnreachable(logger, exception.StatusCode, exception.Status.Detail);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
    }

    // Debug: launchers and orchestrators poll /health while the system starts; the 503 itself is the signal.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Health: the scheduler has no workers")]
    private static partial void LogNoWorkers(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Health: the scheduler did not answer: {Status} {Detail}")]
    private static partial void LogSchedulerUnreachable(ILogger logger, StatusCode status, string detail);
}
