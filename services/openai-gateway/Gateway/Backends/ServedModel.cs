using Gateway.Api.Errors;

namespace Gateway.Backends;

/// <summary>
/// The served model's name, limits and LoRA adapters, asked from the scheduler once and then remembered (they do not change
/// while the scheduler runs); a failed ask is retried on the next request.
/// </summary>
public sealed class ServedModel(IGenerationService generation)
{
    private ModelInfo? _info;

    public async Task<ModelInfo> GetAsync(CancellationToken cancellationToken)
    {
        if (_info is { } known)
        {
            return known;
        }

        var info = await generation.GetModelInfoAsync(deadline: null, cancellationToken);
        Remember(info);
        return info;
    }

    /// <summary>Keeps a fresher answer obtained elsewhere (for example by /health).</summary>
    public void Remember(ModelInfo info) => _info = info;

    /// <summary>
    /// The served model when <paramref name="requested"/> names it or is empty (an omitted model means the served one);
    /// the served model under one of its LoRA adapters when it names that adapter; otherwise a 404 like vLLM's.
    /// </summary>
    public async Task<ResolvedModel> ResolveAsync(string? requested, CancellationToken cancellationToken)
    {
        var info = await GetAsync(cancellationToken);
        if (string.IsNullOrEmpty(requested) || requested == info.Name)
        {
            return new ResolvedModel(info, info.Name, null);
        }

        var adapter = info.LoraAdapters.FirstOrDefault(adapter => adapter.Name == requested)
            ?? throw ApiException.ModelNotFound(requested);
        return new ResolvedModel(info, adapter.Name, adapter);
    }
}
