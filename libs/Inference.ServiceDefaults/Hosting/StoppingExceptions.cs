using Grpc.Core;

namespace Inference.ServiceDefaults.Hosting;

/// <summary>How a background loop tells the end of its work at shutdown from a failure.</summary>
public static class StoppingExceptions
{
    /// <summary>
    /// Whether <paramref name="exception"/> is only the service stopping: <paramref name="stoppingToken"/> is
    /// cancelled and the exception is that cancellation, as an <see cref="OperationCanceledException"/> or as the
    /// <see cref="RpcException"/> (status Cancelled) that a gRPC call given the token ends with. Anything else
    /// escaping a BackgroundService fails the host, so a loop catches exactly these.
    /// </summary>
    public static bool IsStopping(this Exception exception, CancellationToken stoppingToken) =>
        stoppingToken.IsCancellationRequested
        && exception is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled };
}
