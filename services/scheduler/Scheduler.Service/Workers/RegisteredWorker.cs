using Grpc.Net.Client;

namespace Scheduler.Service.Workers;

/// <summary>
/// A worker address the scheduler knows (configured or self-registered), with the one channel every call to it
/// shares and what the last health checks saw. Which instance serves steps is the engine's business; this is
/// the watcher's view.
/// </summary>
public sealed class RegisteredWorker : IDisposable
{
    public RegisteredWorker(string workerId, Uri address, string device, int numBlocks)
    {
        WorkerId = workerId;
        Address = address;
        Device = device;
        NumBlocks = numBlocks;
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            // HTTP/2 pings notice a dead peer (host gone, network cut) between calls and during long steps.
            HttpHandler = new SocketsHttpHandler
            {
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                EnableMultipleHttp2Connections = true,
            },
        });
    }

    /// <summary>Stable name of this address in logs and metrics, for example "worker-0".</summary>
    public string WorkerId { get; }

    public Uri Address { get; }

    public string Device { get; set; }

    /// <summary>KV blocks the worker announced (0 when unknown, as for configured workers).</summary>
    public int NumBlocks { get; set; }

    public GrpcChannel Channel { get; }

    /// <summary>The executor of the worker's latest join (closed when the next join replaces it).</summary>
    internal Adapters.GrpcStepExecutor? Executor { get; set; }

    /// <summary>Instance id from the last health check or registration; null before the worker answered.</summary>
    public string? InstanceId { get; set; }

    /// <summary>Result of the last health check; null before the first.</summary>
    public bool? IsHealthy { get; set; }

    /// <summary>Failed health checks in a row.</summary>
    public int ConsecutiveFailures { get; set; }

    /// <summary>The instance whose joining the engine refused (another model, too little KV), so it is not
    /// retried and logged at every check.</summary>
    public string? RefusedInstanceId { get; set; }

    public void Dispose() => Channel.Dispose();
}
