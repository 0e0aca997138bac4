using Grpc.Net.Client;

namespace Scheduler.Service.Workers;

/// <summary>A worker the scheduler knows, with the one channel every call to it shares.</summary>
public sealed class RegisteredWorker(string workerId, Uri address, string device, int numBlocks) : IDisposable
{
    public string WorkerId { get; } = workerId;

    public Uri Address { get; } = address;

    public string Device { get; } = device;

    /// <summary>KV blocks the worker announced (0 when unknown, as for configured workers).</summary>
    public int NumBlocks { get; } = numBlocks;

    public GrpcChannel Channel { get; } = GrpcChannel.ForAddress(address);

    /// <summary>Result of the last health check; null before the first.</summary>
    public bool? IsHealthy { get; set; }

    public void Dispose() => Channel.Dispose();
}
