using Grpc.Core;
using Inference.Contracts.Worker.V1;

namespace Scheduler.Service.Adapters;

/// <summary>
/// One open <c>ExecuteStream</c> call to a worker: steps go out in the order they are sent and their answers come
/// back in that order, so the next step can be on its way while one runs. Any failure (a step's error status, the
/// connection, a step's cancellation) breaks the whole stream and fails every step still waiting: the steps behind a
/// failed one were planned on its result, so none of them may run anyway.
/// </summary>
internal sealed class WorkerStepStream(Worker.WorkerClient client)
    : BreakableDuplexCall<ExecuteRequest, ExecuteResponse>(stop => client.ExecuteStream(cancellationToken: stop))
{
    private readonly Queue<TaskCompletionSource<ExecuteResponse>> _waiting = new();

    /// <summary>Queues the step behind those already sent. Cancelling <paramref name="cancellationToken"/> breaks the stream.</summary>
    /// <returns>Its answer; faults with the <see cref="RpcException"/> that broke the stream.</returns>
    public async Task<ExecuteResponse> SendAsync(ExecuteRequest request, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<ExecuteResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (SyncRoot)
        {
            if (Failure is { } failure)
            {
                answer.SetException(failure);
            }
            else
            {
                _waiting.Enqueue(answer);
                Write(request);
            }
        }

        await using var registration = cancellationToken.Register(
            () => Break(new Status(StatusCode.Cancelled, $"step {request.StepId} was cancelled by the scheduler")));
        return await answer.Task.ConfigureAwait(false);
    }

    /// <summary>Ends the call; steps still waiting fail.</summary>
    public void Close() => Break(new Status(StatusCode.Cancelled, "the scheduler closed the step stream"));

    protected override void OnResponse(ExecuteResponse response)
    {
        TaskCompletionSource<ExecuteResponse>? answer;
        lock (SyncRoot)
        {
            _waiting.TryDequeue(out answer);
        }

        if (answer is null)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"the worker answered step {response.StepId}, which was never sent"));
        }

        answer.TrySetResult(response);
    }

    protected override void OnBroken(RpcException failure)
    {
        while (_waiting.TryDequeue(out var answer))
        {
            answer.TrySetException(failure);
        }
    }
}
