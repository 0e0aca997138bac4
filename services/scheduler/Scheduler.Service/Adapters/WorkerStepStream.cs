using System.Threading.Channels;
using Grpc.Core;
using Inference.Contracts.Worker.V1;

namespace Scheduler.Service.Adapters;

/// <summary>
/// One open <c>ExecuteStream</c> call to a worker: steps go out in the order they are sent and their answers come
/// back in that order, so the next step can be on its way while one runs. Any failure (a step's error status, the
/// connection, a step's cancellation) breaks the whole stream and fails every step still waiting: the steps behind a
/// failed one were planned on its result, so none of them may run anyway.
/// </summary>
internal sealed class WorkerStepStream
{
    private readonly AsyncDuplexStreamingCall<ExecuteRequest, ExecuteResponse> _call;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<ExecuteRequest> _outbound = Channel.CreateUnbounded<ExecuteRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Queue<TaskCompletionSource<ExecuteResponse>> _waiting = new();
    private Exception? _failure;

    public WorkerStepStream(Worker.WorkerClient client)
    {
        _call = client.ExecuteStream(cancellationToken: _stop.Token);
        _ = WriteAsync();
        _ = ReadAsync();
    }

    /// <summary>True once the stream failed; later steps need a new one.</summary>
    public bool IsBroken => Volatile.Read(ref _failure) is not null;

    /// <summary>Queues the step behind those already sent. Cancelling <paramref name="cancellationToken"/> breaks the stream.</summary>
    /// <returns>Its answer; faults with the <see cref="RpcException"/> (or cancellation) that broke the stream.</returns>
    public async Task<ExecuteResponse> SendAsync(ExecuteRequest request, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<ExecuteResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiting)
        {
            if (_failure is not null)
            {
                answer.SetException(_failure);
            }
            else
            {
                _waiting.Enqueue(answer);
                _outbound.Writer.TryWrite(request);
            }
        }

        await using var registration = cancellationToken.Register(
            () => Break(new RpcException(new Status(StatusCode.Cancelled, $"step {request.StepId} was cancelled by the scheduler"))));
        return await answer.Task.ConfigureAwait(false);
    }

    /// <summary>Ends the call; steps still waiting fail.</summary>
    public void Close() => Break(new RpcException(new Status(StatusCode.Cancelled, "the scheduler closed the step stream")));

    private async Task WriteAsync()
    {
        try
        {
            await foreach (var request in _outbound.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                await _call.RequestStream.WriteAsync(request, _stop.Token).ConfigureAwait(false);
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
                TaskCompletionSource<ExecuteResponse>? answer;
                lock (_waiting)
                {
                    _waiting.TryDequeue(out answer);
                }

                if (answer is null)
                {
                    throw new RpcException(new Status(StatusCode.Internal, $"the worker answered step {_call.ResponseStream.Current.StepId}, which was never sent"));
                }

                answer.TrySetResult(_call.ResponseStream.Current);
            }

            Break(new RpcException(new Status(StatusCode.Unavailable, "the worker ended the step stream")));
        }
        catch (Exception ex)
        {
            Break(ex);
        }
    }

    private void Break(Exception failure)
    {
        TaskCompletionSource<ExecuteResponse>[] waiting;
        lock (_waiting)
        {
            if (_failure is not null)
            {
                return;
            }

            _failure = failure;
            waiting = [.. _waiting];
            _waiting.Clear();
        }

        _outbound.Writer.TryComplete();
        foreach (var answer in waiting)
        {
            answer.TrySetException(failure);
        }

        _stop.Cancel();
        _call.Dispose();
    }
}
