using Grpc.Core;

namespace Scheduler.Service.Adapters;

/// <summary>
/// What a failed health call to a peer service (a worker, the tokenizer) says in a log line. A deadline carries no
/// detail of its own, so it is told as the wait that ran out rather than as an empty reason.
/// </summary>
public static class HealthCallFailure
{
    public static string Describe(RpcException ex, TimeSpan timeout) => ex.StatusCode == StatusCode.DeadlineExceeded
        ? $"no answer within {timeout.TotalSeconds:0.#} s"
        : $"{ex.StatusCode}: {ex.Status.Detail}";
}
