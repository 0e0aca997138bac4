using Inference.Abstractions.Execution;

namespace Gateway.Api.Generation;

/// <summary>vLLM's <c>Logprob</c>: one token of a <c>prompt_logprobs</c> position.</summary>
/// <param name="Rank">1 + the number of other tokens at least as likely.</param>
/// <param name="DecodedToken">The token's own text.</param>
public sealed record PromptLogprobDto(float Logprob, int? Rank, string? DecodedToken);

/// <summary>
/// vLLM's <c>prompt_logprobs</c> response field: null for the prompt's first token (nothing precedes it), then per
/// position a map from token id to <see cref="PromptLogprobDto"/>: the prompt's own token first, with its rank, then
/// the requested top alternatives with ranks 1..k (the prompt's token, when among them, keeps its place).
/// </summary>
public static class PromptLogprobsDto
{
    public static List<Dictionary<string, PromptLogprobDto>?> Build(
        IReadOnlyList<PromptTokenLogprob> positions, IReadOnlyDictionary<int, string> texts)
    {
        var list = new List<Dictionary<string, PromptLogprobDto>?>(positions.Count + 1) { null };
        foreach (var position in positions)
        {
            var entries = new Dictionary<string, PromptLogprobDto>
            {
                [Key(position.TokenId)] = new(Logprobs.Finite(position.Logprob), position.Rank, texts[position.TokenId]),
            };
            var rank = 1;
            foreach (var top in position.TopLogprobs)
            {
                entries[Key(top.TokenId)] = new(Logprobs.Finite(top.Logprob), rank++, texts[top.TokenId]);
            }

            list.Add(entries);
        }

        return list;
    }

    /// <summary>Every id whose text <see cref="Build"/> needs.</summary>
    public static IEnumerable<int> IdsOf(IReadOnlyList<PromptTokenLogprob> positions) =>
        positions.SelectMany(p => p.TopLogprobs.Select(t => t.TokenId).Prepend(p.TokenId));

    private static string Key(int tokenId) => tokenId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
