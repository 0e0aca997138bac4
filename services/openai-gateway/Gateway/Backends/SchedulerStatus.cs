namespace Gateway.Backends;

/// <summary>Whether the scheduler can serve a request end to end right now.</summary>
/// <param name="Ready">The tokenizer answers the scheduler and at least one worker is ready.</param>
/// <param name="NotReadyReasons">What is missing when not ready, in the scheduler's words ("no ready worker").</param>
/// <param name="ReadyWorkers">Workers serving steps now.</param>
public sealed record SchedulerStatus(bool Ready, IReadOnlyList<string> NotReadyReasons, int ReadyWorkers);
