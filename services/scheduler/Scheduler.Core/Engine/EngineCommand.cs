using System.Threading.Channels;
using Scheduler.Core.Scheduling;

namespace Scheduler.Core.Engine;

/// <summary>Work handed to the engine loop, the only owner of scheduler state.</summary>
internal abstract record EngineCommand;

/// <param name="Outputs">Where the loop publishes the request's outputs; completed after the last one.</param>
internal sealed record AddRequestCommand(EngineRequest Request, ChannelWriter<EngineOutput> Outputs) : EngineCommand;

internal sealed record AbortRequestCommand(string RequestId) : EngineCommand;
