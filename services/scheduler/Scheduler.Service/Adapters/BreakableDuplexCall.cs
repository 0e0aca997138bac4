using System.Threading.Channels;
using Grpc.Core;

namespace Scheduler.Service.Adapters;

/// <summary>
/// A bidirectional call that many callers share: messages go out in the order they are written, from one writer loop;
/// answers are handed to <see cref="OnResponse"/> by one reader loop; and the first failure (an error status, the
/// connection, the server ending the call, a caller breaking it) breaks it for good: <see cref="OnBroken"/> fails
/// whatever waits, later writes are refused, and a new call is needed. Subclasses decide how answers find their
/// callers; they keep their waiting state under <see cref="SyncRoot"/>, which also orders it against the break.
/// </summary>
internal abstract class BreakableDuplexCall<TRequest, TResponse>
    where TRequest : class
    where TResponse : class
{
    private readonly AsyncDuplexStreamingCall<TRequest, TResponse> _call;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<TRequest> _outbound = Channel.CreateUnbounded<TRequest>(new UnboundedChannelOptions { SingleReader = true });
    private RpcException? _failure;

    /// <param name="open">Starts the call with the token that cancels it when it breaks.</param>
    protected BreakableDuplexCall(Func<CancellationToken, AsyncDuplexStreamingCall<TRequest, TResponse>> open)
    {
        _call = open(_stop.Token);
        _ = WriteAsync();
        _ = ReadAsync();
    }

    /// <summary>True once the call failed; later work needs a new one.</summary>
    public bool IsBroken => Volatile.Read(ref _failure) is not null;

    protected Lock SyncRoot { get; } = new();

    /// <summary>What broke the call (always an <see cref="RpcException"/>), or null. Read under <see cref="SyncRoot"/>.</summary>
    protected RpcException? Failure => _failure;

    /// <summary>Queues a message behind those written before; call under <see cref="SyncRoot"/> after checking
    /// <see cref="Failure"/>, so nothing is queued on a broken call.</summary>
    protected void Write(TRequest message) => _outbound.Writer.TryWrite(message);

    /// <summary>One answer, on the reader loop, outside the lock. Throwing breaks the call.</summary>
    protected abstract void OnResponse(TResponse response);

    /// <summary>The call broke: fail everything that waits. Called once, under <see cref="SyncRoot"/>.</summary>
    protected abstract void OnBroken(RpcException failure);

    /// <summary>Ends the call with <paramref name="status"/>; whatever waits fails with it.</summary>
    public void Break(Status status) => Break(new RpcException(status));

    private void Break(Exception failure)
    {
        lock (SyncRoot)
        {
            if (_failure is not null)
            {
                return;
            }

            _failure = failure as RpcException ?? new RpcException(new Status(StatusCode.Unavailable, $"the stream broke: {failure.Message}"));
            OnBroken(_failure);
        }

        _outbound.Writer.TryComplete();
        _stop.Cancel();
        _call.Dispose();
    }

    private async Task WriteAsync()
    {
        try
        {
            await foreach (var message in _outbound.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                await _call.RequestStream.WriteAsync(message, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            Break(ex);
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(_stop.Token).ConfigureAwait(false))
            {
                OnResponse(_call.ResponseStream.Current);
            }

            Break(new RpcException(new Status(StatusCode.Unavailable, "the server ended the stream")));
        }
        catch (Exception ex)
        {
            Break(ex);
        }
    }
}
