using System.Threading.Channels;
using Grpc.Core;
using Inference.Contracts.Tokenizer.V1;

namespace Scheduler.Service.Adapters;

/// <summary>
/// One open <c>DetokenizeMany</c> call that every request of the scheduler detokenizes on, each as a sequence of its
/// own. Items queue while a message is on its way and go out together as the next message (group commit, no timer):
/// the new tokens of a step's requests, published at once, travel as one or two messages instead of one round trip
/// each. A sequence has at most one push waiting (its request awaits each push), answered by sequence id. Any failure
/// of the call breaks the stream and fails every waiting push; new sequences then need a new stream.
/// </summary>
internal sealed class SharedDetokenizeStream
{
    private readonly AsyncDuplexStreamingCall<DetokenizeManyRequest, DetokenizeManyResponse> _call;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<bool> _send = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, TaskCompletionSource<DetokenizeResponse>> _waiting = [];
    private readonly Dictionary<ulong, string> _refused = [];
    private List<DetokenizeItem> _queued = [];
    private bool _messageInFlight;
    private ulong _lastSequenceId;
    private Exception? _failure;

    public SharedDetokenizeStream(Tokenizer.TokenizerClient client)
    {
        _call = client.DetokenizeMany(cancellationToken: _stop.Token);
        _ = SendAsync();
        _ = ReceiveAsync();
    }

    public bool IsBroken => Volatile.Read(ref _failure) is not null;

    /// <summary>Opens a sequence; a refused start fails its first push with InvalidArgument.</summary>
    /// <exception cref="RpcException">The stream is broken.</exception>
    public ulong Open(DetokenizeStart start)
    {
        lock (_lock)
        {
            ThrowIfBroken();
            var id = ++_lastSequenceId;
            Queue(new DetokenizeItem { SequenceId = id, Start = start });
            return id;
        }
    }

    /// <summary>Sends the sequence's next ids and waits for the text they make certain.</summary>
    /// <exception cref="RpcException">The start or the ids were refused (InvalidArgument), or the stream broke.</exception>
    public async Task<DetokenizeResponse> PushAsync(ulong sequenceId, DetokenizeIds ids, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<DetokenizeResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            ThrowIfBroken();
            if (_refused.Remove(sequenceId, out var error))
            {
                throw Refused(error);
            }

            _waiting.Add(sequenceId, answer);
            Queue(new DetokenizeItem { SequenceId = sequenceId, Ids = ids });
        }

        await using var registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                _waiting.Remove(sequenceId);
            }

            answer.TrySetCanceled(cancellationToken);
        });
        return await answer.Task.ConfigureAwait(false);
    }

    /// <summary>Closes a sequence that did not end with a final push (its request ended another way).</summary>
    public void Close(ulong sequenceId)
    {
        lock (_lock)
        {
            _waiting.Remove(sequenceId);
            _refused.Remove(sequenceId);
            if (_failure is null)
            {
                Queue(new DetokenizeItem { SequenceId = sequenceId, Close = true });
            }
        }
    }

    /// <summary>Under the lock.</summary>
    private void Queue(DetokenizeItem item)
    {
        _queued.Add(item);
        if (!_messageInFlight)
        {
            _send.Writer.TryWrite(true);
        }
    }

    private async Task SendAsync()
    {
        try
        {
            await foreach (var _ in _send.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                var message = new DetokenizeManyRequest();
                lock (_lock)
                {
                    if (_queued.Count == 0 || _messageInFlight)
                    {
                        continue;
                    }

                    message.Items.AddRange(_queued);
                    _queued = [];
                    _messageInFlight = true;
                }

                await _call.RequestStream.WriteAsync(message, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            Break(ex);
        }
    }

    private async Task ReceiveAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(_stop.Token).ConfigureAwait(false))
            {
                lock (_lock)
                {
                    foreach (var result in _call.ResponseStream.Current.Results)
                    {
                        Answer(result);
                    }

                    _messageInFlight = false;
                    if (_queued.Count > 0)
                    {
                        _send.Writer.TryWrite(true);
                    }
                }
            }

            Break(new RpcException(new Status(StatusCode.Unavailable, "the tokenizer ended the detokenize stream")));
        }
        catch (Exception ex)
        {
            Break(ex);
        }
    }

    /// <summary>Under the lock. An answer for a push no longer waiting (cancelled) is dropped.</summary>
    private void Answer(DetokenizeResult result)
    {
        _waiting.Remove(result.SequenceId, out var answer);
        if (result.Error.Length == 0)
        {
            answer?.TrySetResult(result.Delta ?? new DetokenizeResponse());
        }
        else if (answer is not null)
        {
            answer.TrySetException(Refused(result.Error));
        }
        else
        {
            _refused[result.SequenceId] = result.Error;
        }
    }

    private static RpcException Refused(string error) => new(new Status(StatusCode.InvalidArgument, error));

    private void ThrowIfBroken()
    {
        if (_failure is { } failure)
        {
            throw failure as RpcException ?? new RpcException(new Status(StatusCode.Unavailable, $"the detokenize stream broke: {failure.Message}"));
        }
    }

    private void Break(Exception failure)
    {
        TaskCompletionSource<DetokenizeResponse>[] waiting;
        lock (_lock)
        {
            if (_failure is not null)
            {
                return;
            }

            _failure = failure as RpcException ?? new RpcException(new Status(StatusCode.Unavailable, $"the detokenize stream broke: {failure.Message}"));
            waiting = [.. _waiting.Values];
            _waiting.Clear();
        }

        foreach (var answer in waiting)
        {
            answer.TrySetException(_failure);
        }

        _send.Writer.TryComplete();
        _stop.Cancel();
        _call.Dispose();
    }
}
