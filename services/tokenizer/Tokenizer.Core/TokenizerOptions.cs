namespace Tokenizer.Core;

/// <summary>Limits applied by <see cref="QwenTokenizer"/>.</summary>
public sealed class TokenizerOptions
{
    /// <summary>Longest text Encode accepts, in UTF-16 characters. Default 1,000,000.</summary>
    public int MaxInputChars { get; init; } = 1_000_000;

    /// <summary>Most short pre-tokens whose ids are remembered across Encode calls (about 150 bytes each);
    /// 0 turns the cache off. Default 65,536.</summary>
    public int PieceCacheCapacity { get; init; } = 65_536;

    public void Validate()
    {
        if (MaxInputChars <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxInputChars), MaxInputChars, $"MaxInputChars must be > 0, got {MaxInputChars}");
        }
        if (PieceCacheCapacity < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(PieceCacheCapacity), PieceCacheCapacity, $"PieceCacheCapacity must be >= 0, got {PieceCacheCapacity}");
        }
    }
}
