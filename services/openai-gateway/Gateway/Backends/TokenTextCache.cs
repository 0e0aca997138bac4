using System.Collections.Concurrent;

namespace Gateway.Backends;

/// <summary>
/// The text of single token ids, for logprobs output. Bounded by the vocabulary size, so it never needs evicting.
/// Special tokens are kept (a logprob entry must name the token that was sampled).
/// </summary>
public sealed class TokenTextCache(ITokenizerService tokenizer)
{
    private const int MaxConcurrentDecodes = 16;

    private readonly ConcurrentDictionary<int, string> _texts = new();

    /// <summary>Text of each id in <paramref name="ids"/>, asking the tokenizer only for ids not seen before.</summary>
    public async Task<IReadOnlyDictionary<int, string>> GetAsync(IEnumerable<int> ids, CancellationToken cancellationToken)
    {
        var unknown = ids.Distinct().Where(id => !_texts.ContainsKey(id)).ToArray();
        if (unknown.Length > 0)
        {
            // A long answer with top-20 alternatives can name thousands of new ids; ask a few at a time.
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentDecodes, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(unknown, parallel, async (id, token) =>
                _texts[id] = await tokenizer.DecodeAsync([id], skipSpecialTokens: false, token));
        }

        return _texts;
    }
}
