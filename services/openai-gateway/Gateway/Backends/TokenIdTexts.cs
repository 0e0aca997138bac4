namespace Gateway.Backends;

/// <summary>vLLM's return_tokens_as_token_ids: every token in a logprobs answer is named "token_id:{id}".</summary>
public sealed class TokenIdTexts : ITokenTexts
{
    public static TokenIdTexts Instance { get; } = new();

    public Task<IReadOnlyDictionary<int, string>> GetAsync(IEnumerable<int> ids, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<int, string>>(
            ids.Distinct().ToDictionary(id => id, id => FormattableString.Invariant($"token_id:{id}")));
}
