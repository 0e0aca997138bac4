namespace Gateway.Backends;

/// <summary>What one engine step added to a request; the last update carries the finish reason and usage.</summary>
/// <param name="TextDelta">Text that became final since the previous update.</param>
/// <param name="Tokens">Tokens produced since the previous update.</param>
/// <param name="Finish">Set on the last update.</param>
/// <param name="StopReason">The matched stop string or stop id as text, when it stopped on one.</param>
/// <param name="Usage">Set on the last update.</param>
public sealed record GenerationUpdate(
    string TextDelta,
    IReadOnlyList<GeneratedToken> Tokens,
    FinishReason? Finish,
    string? StopReason,
    GenerationUsage? Usage);
