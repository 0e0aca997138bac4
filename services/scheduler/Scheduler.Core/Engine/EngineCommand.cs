using System.Threading.Channels;
using Inference.Abstractions.Execution;
using Scheduler.Core.Fleet;
using Scheduler.Core.Scheduling;

namespace Scheduler.Core.Engine;

/// <summary>Work handed to the engine loop, the only owner of engine state.</summary>
internal abstract record EngineCommand;

/// <param name="Outputs">Where the loop publishes the request's outputs; completed after the last one (with an
/// exception when the request could not be served).</param>
internal sealed record AddRequestCommand(EngineRequest Request, ChannelWriter<EngineOutput> Outputs) : EngineCommand;

internal sealed record AbortRequestCommand(string RequestId) : EngineCommand;

/// <param name="RejoinAfterFault">The engine owns the executor (in process): after a fault it adds it again
/// itself, after a backoff. Remote workers are re-added by the service that watches them.</param>
internal sealed record AddWorkerCommand(string WorkerId, string InstanceId, IStepExecutor Executor, bool RejoinAfterFault) : EngineCommand;

/// <param name="InstanceId">Only this instance; null removes whatever instance serves under the id.</param>
internal sealed record RemoveWorkerCommand(string WorkerId, string? InstanceId, string Reason) : EngineCommand;

/// <summary>A lane's step returned: a result, or the reason it failed (error, deadline, cancellation).</summary>
/// <param name="CallTime">From when the worker could start the step (it was sent, and the step before it ended) to
/// its answer (or failure).</param>
internal sealed record StepCompletedCommand(WorkerLane Lane, StepResult? Result, string? FailureReason, Exception? Failure, TimeSpan CallTime) : EngineCommand;
