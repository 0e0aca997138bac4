namespace Scheduler.Core.Scheduling;

/// <summary>When a request's generation ends, apart from stop strings (which the front finds in text).</summary>
/// <param name="MaxTokens">Most output tokens.</param>
/// <param name="MinTokens">EOS and stop ids are banned and ignored until this many tokens exist.</param>
/// <param name="IgnoreEos">Keep generating past EOS.</param>
/// <param name="StopTokenIds">Extra ids that end generation.</param>
public sealed record StoppingCriteria(int MaxTokens, int MinTokens = 0, bool IgnoreEos = false, IReadOnlyList<int>? StopTokenIds = null);
