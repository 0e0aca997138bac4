namespace Tokenizer.Core;

/// <summary>Input the tokenizer refuses (too long); the message names the field and the limit.</summary>
public sealed class TokenizerInputException(string field, string message) : Exception(message)
{
    /// <summary>The request field at fault, e.g. "text".</summary>
    public string Field { get; } = field;
}
