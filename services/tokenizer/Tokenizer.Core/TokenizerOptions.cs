namespace Tokenizer.Core;

/// <summary>Limits applied by <see cref="QwenTokenizer"/>.</summary>
public sealed class TokenizerOptions
{
    /// <summary>Longest text Encode accepts, in UTF-16 characters. Default 1,000,000.</summary>
    public int MaxInputChars { get; init; } = 1_000_000;

    /// <summary>A chat template that replaces the model's own (vLLM's <c>--chat-template</c>); null: the model's.</summary>
    public string? ChatTemplate { get; init; }

    public void Validate()
    {
        if (MaxInputChars <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxInputChars), MaxInputChars, $"MaxInputChars must be > 0, got {MaxInputChars}");
        }
    }
}
