using Grpc.Core;
using Inference.Abstractions.Text;
using Inference.Contracts.Tokenizer.V1;

namespace Scheduler.Service.Adapters;

/// <summary>One Detokenize stream: each push writes one ids message and reads exactly one response.</summary>
internal sealed class GrpcIncrementalDetokenizer(AsyncDuplexStreamingCall<DetokenizeRequest, DetokenizeResponse> call)
    : IIncrementalDetokenizer
{
    private bool _completed;

    public async ValueTask<DetokenizedDelta> PushAsync(IReadOnlyList<int> ids, bool final, CancellationToken cancellationToken)
    {
        var message = new DetokenizeIds { Final = final };
        message.Ids.AddRange(ids);
        await call.RequestStream.WriteAsync(new DetokenizeRequest { Ids = message }, cancellationToken);
        if (!await call.ResponseStream.MoveNext(cancellationToken))
        {
            throw new RpcException(new Status(StatusCode.Internal, "Detokenize stream ended without answering an ids message."));
        }

        var response = call.ResponseStream.Current;
        return new DetokenizedDelta(response.TextDelta, response.Stopped, response.Stopped ? response.MatchedStop : null);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_completed)
            {
                _completed = true;
                await call.RequestStream.CompleteAsync();
            }
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or OperationCanceledException)
        {
            // The stream already failed or was cancelled; disposing the call below releases it.
        }
        finally
        {
            call.Dispose();
        }
    }
}
