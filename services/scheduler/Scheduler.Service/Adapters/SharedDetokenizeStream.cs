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
internal sealed class SharedDetokenizeStream(Tokenizer.TokenizerClient client)
    : BreakableDuplexCall<DetokenizeManyRequest, DetokenizeManyResponse>(stop => client.DetokenizeMany(cancellationToken: stop))
{
    private readonly Dictionary<ulong, TaskCompletionSource<DetokenizeResponse>> _waiting = [];
    private readonly Dictionary<ulong, string> _refused = [];
    private List<DetokenizeItem> _queued = [];
    private bool _sending;
    private ulong _lastSequenceId;

    /// <summary>Opens a sequence; a refused start fails its first push with InvalidArgument.</summary>
    /// <exception cref="RpcException">The stream is broken.</exception>
    public ulong Open(DetokenizeStart start)
    {
        lock (SyncRoot)
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
        lock (SyncRoot)
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
            lock (SyncRoot)
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
        lock (SyncRoot)
        {
            _waiting.Remove(sequenceId);
            _refused.Remove(sequenceId);
            if (Failure is null)
            {
                Queue(new DetokenizeItem { SequenceId = sequenceId, Close = true });
            }
        }
    }

    protected override void OnResponse(DetokenizeManyResponse response)
    {
        lock (SyncRoot)
        {
            foreach (var result in response.Results)
            {
                Answer(result);
            }

            // The message in flight is answered: what queued meanwhile goes out now, as one message.
            SendQueued();
        }
    }

    protected override void OnBroken(RpcException failure)
    {
        foreach (var answer in _waiting.Values)
        {
            answer.TrySetException(failure);
        }

        _waiting.Clear();
    }

    /// <summary>Under the lock. The first item while the stream is idle goes out from a thread-pool work item, not at
    /// once: the requests of a step publish their tokens from work items queued together, which then join it.</summary>
    private void Queue(DetokenizeItem item)
    {
        _queued.Add(item);
        if (!_sending)
        {
            _sending = true;
            ThreadPool.UnsafeQueueUserWorkItem(static stream =>
            {
                lock (stream.SyncRoot)
                {
                    stream.SendQueued();
                }
            }, this, preferLocal: false);
        }
    }

    /// <summary>Under the lock: writes what queued as one message, which then is the one in flight.</summary>
    private void SendQueued()
    {
        if (_queued.Count == 0 || Failure is not null)
        {
            _sending = false;
            return;
        }

        var message = new DetokenizeManyRequest();
        message.Items.AddRange(_queued);
        _queued = [];
        _sending = true;
        Write(message);
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
        if (Failure is { } failure)
        {
            throw failure;
        }
    }
}
