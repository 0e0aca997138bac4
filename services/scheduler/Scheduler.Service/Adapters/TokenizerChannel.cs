using Grpc.Net.Client;

namespace Scheduler.Service.Adapters;

/// <summary>The one channel to the tokenizer service, disposed with the host's container.</summary>
public sealed class TokenizerChannel(GrpcChannel channel) : IDisposable
{
    public GrpcChannel Channel { get; } = channel;

    public void Dispose() => Channel.Dispose();
}
