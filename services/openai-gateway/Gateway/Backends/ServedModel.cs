using Gateway.Api.Errors;

namespace Gateway.Backends;

/// <summary>
/// The served model's name, limits and LoRA adapters, asked from the scheduler once and then remembered; a failed ask is
/// retried on the next request. Only adapters loaded or unloaded at runtime make it stale: this gateway's own loads and
/// unloads <see cref="Forget"/> it.
/// </summary>
public sealed class ServedModel(IGenerationService generation)
{
    private readonly Lock _gate = new();
    private ModelInfo? _info;

    /// <summary>How many times <see cref="Forget"/> ran: an answer asked for before it ran may miss what changed.</summary>
    private long _forgets;

    public async Task<ModelInfo> GetAsync(CancellationToken cancellationToken) =>
        _info ?? await AskAsync(cancellationToken);

    /// <summary>Asks the scheduler now, and remembers the answer (for /v1/models, which lists what is served right now).</summary>
    public Task<ModelInfo> RefreshAsync(CancellationToken cancellationToken) => AskAsync(cancellationToken);

    /// <summary>Drops what it knows, so that the next request asks the scheduler (after an adapter was loaded or unloaded).</summary>
    public void Forget()
    {
        lock (_gate)
        {
            _forgets++;
            _info = null;
        }
    }

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

    /// <summary>Asks the scheduler and remembers the answer.</summary>
    private async Task<ModelInfo> AskAsync(CancellationToken cancellationToken)
    {
        long forgets;
        lock (_gate)
        {
            forgets = _forgets;
        }

        var info = await generation.GetModelInfoAsync(deadline: null, cancellationToken);
        lock (_gate)
        {
            // A load or unload that finished while the scheduler was answering may be missing from this answer: keep it
            // for this request only, and let the next one ask again.
            if (_forgets == forgets)
            {
                _info = info;
            }
        }

        return info;
    }
}
