using Gateway.Api.Generation;
using Gateway.Backends;

namespace Gateway.Api.Completions;

/// <summary>
/// Builds the legacy completions logprobs block. Text offsets run over the whole answer, so a streamed answer keeps
/// one builder for all its chunks.
/// </summary>
public sealed class CompletionLogprobsBuilder(int topCount)
{
    private int _offset;

    public CompletionLogprobs Build(IReadOnlyList<GeneratedToken> tokens, IReadOnlyDictionary<int, string> texts)
    {
        var offsets = new List<int>(tokens.Count);
        var values = new List<float>(tokens.Count);
        var names = new List<string>(tokens.Count);
        var tops = new List<Dictionary<string, float>>(tokens.Count);
        foreach (var token in tokens)
        {
            var text = texts[token.TokenId];
            offsets.Add(_offset);
            _offset += text.Length;
            values.Add(Logprobs.Finite(token.Logprob));
            names.Add(text);

            // Like vLLM: the requested alternatives plus the sampled token itself.
            var top = new Dictionary<string, float>();
            foreach (var alternative in token.TopLogprobs.Take(topCount))
            {
                top.TryAdd(texts[alternative.TokenId], Logprobs.Finite(alternative.Logprob));
            }

            top.TryAdd(text, Logprobs.Finite(token.Logprob));
            tops.Add(top);
        }

        return new CompletionLogprobs(offsets, values, names, tops);
    }

    public static IEnumerable<int> IdsOf(IReadOnlyList<GeneratedToken> tokens) =>
        tokens.SelectMany(t => t.TopLogprobs.Select(a => a.TokenId).Prepend(t.TokenId));
}
