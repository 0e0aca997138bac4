using System.Collections.Concurrent;

namespace Gateway.Backends;

/// <summary>
/// The text of single token ids, for logprobs output. Bounded by the vocabulary size, so it never needs evicting.
/// Special tokens are kept (a logprob entry must name the token that was sampled).
/// </summary>
public sealed class TokenTextCache(ITokenizerService tokenizer) : ITokenTexts
{
    private readonly ConcurrentDictionary<int, string> _texts = new();

    /// <summary>Text of each id in <paramref name="ids"/>, asking the tokenizer (one call) only for ids not seen before.</summary>
    public async Task<IReadOnlyDictionary<int, string>> GetAsync(IEnumerable<int> ids, CancellationToken cancellationToken)
    {
        int[] unknown = [.. ids.Distinct().Where(id => !_texts.ContainsKey(id))];
        if (unknown.Length > 0)
        {
            var texts = await tokenizer.DecodeEachAsync(unknown, skipSpecialTokens: false, cancellationToken);
            for (var i = 0; i < unknown.Length; i++)
            {
                _texts[unknown[i]] = texts[i];
            }
        }

        return _texts;
    }
}
