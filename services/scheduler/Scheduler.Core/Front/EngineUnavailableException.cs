namespace Scheduler.Core;

/// <summary>No worker could run the request: none has been serving for the engine's no-worker timeout.</summary>
public sealed class EngineUnavailableException(string message) : Exception(message);
