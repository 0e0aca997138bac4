using Gateway.Api.Generation;
using Gateway.Backends;
using Inference.Abstractions.Execution;

namespace Gateway.Api.Completions;

/// <summary>
/// Builds the legacy completions logprobs block of one choice. Text offsets run over the whole answer (the echoed prompt
/// first), so a streamed answer keeps one builder per choice for all its chunks.
/// </summary>
public sealed class CompletionLogprobsBuilder(int topCount)
{
    private int _offset;

    public CompletionLogprobs Build(IReadOnlyList<GeneratedToken> tokens, IReadOnlyDictionary<int, string> texts)
    {
        var block = new Block(tokens.Count);
        foreach (var token in tokens)
        {
            // Like vLLM: the requested alternatives plus the sampled token itself.
            var top = new Dictionary<string, float>();
            foreach (var alternative in token.TopLogprobs.Take(topCount))
            {
                top.TryAdd(texts[alternative.TokenId], Logprobs.Finite(alternative.Logprob));
            }

            top.TryAdd(texts[token.TokenId], Logprobs.Finite(token.Logprob));
            Add(block, texts[token.TokenId], Logprobs.Finite(token.Logprob), top);
        }

        return block.ToLogprobs();
    }

    /// <summary>
    /// The echoed prompt's tokens, as vLLM returns them with echo and logprobs: the first with null logprob and null
    /// top_logprobs, each other with its prompt logprob and, as for generated tokens, up to topCount + 1 entries: the
    /// prompt's token, then the most likely ones.
    /// </summary>
    /// <param name="positions">Prompt logprobs of positions 1 .. promptIds.Count - 1.</param>
    public CompletionLogprobs BuildPrompt(
        IReadOnlyList<int> promptIds, IReadOnlyList<PromptTokenLogprob> positions, IReadOnlyDictionary<int, string> texts)
    {
        if (positions.Count != promptIds.Count - 1)
        {
            throw new InvalidOperationException($"The scheduler sent {positions.Count} prompt logprobs for a prompt of {promptIds.Count} tokens.");
        }

        var block = new Block(promptIds.Count);
        Add(block, texts[promptIds[0]], null, null);
        foreach (var position in positions)
        {
            var top = new Dictionary<string, float> { [texts[position.TokenId]] = Logprobs.Finite(position.Logprob) };
            foreach (var alternative in position.TopLogprobs.Take(topCount))
            {
                top.TryAdd(texts[alternative.TokenId], Logprobs.Finite(alternative.Logprob));
            }

            Add(block, texts[position.TokenId], Logprobs.Finite(position.Logprob), top);
        }

        return block.ToLogprobs();
    }

    public static IEnumerable<int> IdsOf(IReadOnlyList<GeneratedToken> tokens) =>
        tokens.SelectMany(t => t.TopLogprobs.Select(a => a.TokenId).Prepend(t.TokenId));

    private void Add(Block block, string text, float? logprob, Dictionary<string, float>? top)
    {
        block.Offsets.Add(_offset);
        _offset += text.Length;
        block.Values.Add(logprob);
        block.Names.Add(text);
        block.Tops.Add(top);
    }

    private sealed class Block(int capacity)
    {
        public List<int> Offsets { get; } = new(capacity);
        public List<float?> Values { get; } = new(capacity);
        public List<string> Names { get; } = new(capacity);
        public List<Dictionary<string, float>?> Tops { get; } = new(capacity);

        public CompletionLogprobs ToLogprobs() => new(Offsets, Values, Names, Tops);
    }
}
