namespace Scheduler.Core;

/// <summary>A request was rejected before it was queued; <see cref="Field"/> names the offending field.</summary>
public sealed class GenerationValidationException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
