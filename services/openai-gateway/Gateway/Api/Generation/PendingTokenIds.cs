using Gateway.Backends;

namespace Gateway.Api.Generation;

/// <summary>Per choice, the generated token ids not yet sent in a streamed chunk (vLLM's return_token_ids).</summary>
public sealed class PendingTokenIds(int choices)
{
    private readonly List<int>[] _pending = [.. Enumerable.Range(0, choices).Select(_ => new List<int>())];

    public void Add(int choice, IReadOnlyList<GeneratedToken> tokens) => _pending[choice].AddRange(tokens.Select(t => t.TokenId));

    /// <summary>The choice's pending ids (possibly none), now sent.</summary>
    public IReadOnlyList<int> Take(int choice)
    {
        var ids = _pending[choice].ToArray();
        _pending[choice].Clear();
        return ids;
    }
}
