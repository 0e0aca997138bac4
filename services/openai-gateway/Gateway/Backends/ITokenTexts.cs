namespace Gateway.Backends;

/// <summary>How a logprobs answer names tokens: by their text, or by id.</summary>
public interface ITokenTexts
{
    /// <summary>The name of each id in <paramref name="ids"/> (the result may hold more ids).</summary>
    Task<IReadOnlyDictionary<int, string>> GetAsync(IEnumerable<int> ids, CancellationToken cancellationToken);
}
