namespace Inference.Abstractions.Generation;

/// <summary>A request was refused where it entered; <see cref="Field"/> names the offending field (as the API
/// spells it, for example "temperature" or "messages") and the message states the limit.</summary>
public sealed class GenerationValidationException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
