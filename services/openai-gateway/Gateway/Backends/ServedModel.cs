using Gateway.Api.Errors;
using Gateway.Configuration;
using Grpc.Core;
using Inference.Contracts.Mapping;
using Microsoft.Extensions.Options;

namespace Gateway.Backends;

/// <summary>
/// The served model's name, limits and LoRA adapters, asked from the scheduler once and then remembered; a failed ask is
/// retried on the next request. Only adapters loaded or unloaded at runtime (<see cref="GatewayOptions.RuntimeLoraUpdating"/>)
/// make it stale: this gateway's own loads and unloads <see cref="Forget"/> it, a model it does not know is asked again
/// when runtime updating is on (another gateway may have loaded it), and a request the scheduler refuses for an adapter it no longer serves forgets it
/// too (<see cref="RefusesUnloadedAdapter"/>). With the LoRA filesystem resolver on
/// (<see cref="GatewayOptions.FilesystemResolverFolder"/>), a model name nobody serves is looked up in its folder and
/// loaded from there.
/// </summary>
public sealed partial class ServedModel(
    IGenerationService generation, ILoraAdapterService adapters, IOptions<GatewayOptions> options, TimeProvider time, ILogger<ServedModel> logger)
{
    /// <summary>
    /// The least time between asking the scheduler and asking it again for a model this gateway does not know: a client that
    /// keeps naming a model that does not exist must not make every one of its requests a scheduler call.
    /// </summary>
    public static readonly TimeSpan UnknownModelRecheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>The scheduler's refusal of a request names this field when the adapter it asked for is not loaded.</summary>
    private const string LoraNameField = "lora_name";

    private readonly Lock _gate = new();
    private ModelInfo? _info;

    /// <summary>When the scheduler was last asked (a <see cref="TimeProvider.GetTimestamp"/>); null before the first ask.</summary>
    private long? _askedAt;

    /// <summary>How many times <see cref="Forget"/> ran: an answer asked for before it ran may miss what changed.</summary>
    private long _forgets;

    public async Task<ModelInfo> GetAsync(CancellationToken cancellationToken) =>
        _info ?? (await AskAsync(notWithin: null, cancellationToken))!;

    /// <summary>Asks the scheduler now, and remembers the answer (for /v1/models, which lists what is served right now).</summary>
    public async Task<ModelInfo> RefreshAsync(CancellationToken cancellationToken) =>
        (await AskAsync(notWithin: null, cancellationToken))!;

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
    /// the served model under one of its LoRA adapters when it names that adapter; otherwise a 404 like vLLM's. With
    /// runtime LoRA updating on, a name it does not know is first asked again, unless the scheduler answered less than
    /// <see cref="UnknownModelRecheckInterval"/> ago, and then, with the LoRA filesystem resolver on, looked up in its
    /// folder (<see cref="LoadResolvedAsync"/>).
    /// </summary>
    public async Task<ResolvedModel> ResolveAsync(string? requested, CancellationToken cancellationToken)
    {
        var info = await GetAsync(cancellationToken);
        if (Find(info, requested) is { } known)
        {
            return known;
        }

        if (options.Value.RuntimeLoraUpdating
            && await AskAsync(UnknownModelRecheckInterval, cancellationToken) is { } fresh
            && Find(fresh, requested) is { } loadedElsewhere)
        {
            return loadedElsewhere;
        }

        if (options.Value.RuntimeLoraUpdating && options.Value.FilesystemResolverFolder is { } folder)
        {
            return await LoadResolvedAsync(folder, requested!, info.Name, cancellationToken);
        }

        throw ApiException.ModelNotFound(requested!);
    }

    /// <summary>
    /// vLLM's <c>lora_filesystem_resolver</c> at a request: the adapter in <paramref name="folder"/>/<paramref name="name"/>
    /// (<see cref="FilesystemLoraResolver"/>) is loaded on every worker under <paramref name="name"/>, and the request runs
    /// with it; it stays loaded. Two requests resolving one name at once both load it: the second load's "already loaded"
    /// means the first one (or another gateway) won, and is no error. A folder that holds no adapter of the served model is
    /// the 404 of an unknown model, saying why; an adapter the workers refuse (unreadable, rank too high) a 400 naming
    /// <c>model</c>.
    /// </summary>
    private async Task<ResolvedModel> LoadResolvedAsync(string folder, string name, string servedModelName, CancellationToken cancellationToken)
    {
        var resolution = FilesystemLoraResolver.Resolve(folder, name, servedModelName);
        if (resolution.Path is not { } path)
        {
            throw resolution.WhyNot is { } whyNot
                ? new ApiException(StatusCodes.Status404NotFound, $"The model `{name}` does not exist: {whyNot}.", "model")
                : ApiException.ModelNotFound(name);
        }

        try
        {
            var adapter = await adapters.LoadAsync(name, path, cancellationToken);
            LogResolved(logger, name, path, adapter.Rank);
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.AlreadyExists)
        {
            // Loaded by a request beside this one, or through another gateway, since this one asked.
        }
        catch (RpcException error) when (error.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.FailedPrecondition)
        {
            throw ApiException.BadRequest($"The LoRA adapter `{name}` found in {path} could not be loaded: {error.Status.Detail}", "model");
        }

        Forget();
        return Find(await RefreshAsync(cancellationToken), name) ?? throw ApiException.ModelNotFound(name);
    }

    /// <summary>
    /// Whether the scheduler refused a request that ran with <paramref name="model"/>'s adapter because it does not serve that
    /// adapter (INVALID_ARGUMENT naming lora_name): it was unloaded after this gateway last asked, here or through another
    /// gateway. Answer it with <see cref="ForgetUnloadedAdapter"/>.
    /// </summary>
    public static bool RefusesUnloadedAdapter(RpcException error, ResolvedModel model) =>
        model.Adapter is not null
        && error.StatusCode == StatusCode.InvalidArgument
        && ValidationErrors.InvalidField(error) == LoraNameField;

    /// <summary>
    /// Forgets what it knew (the next request asks again) and returns the 404 vLLM gives for a model it does not serve: a
    /// 400 about lora_name would name a field the client never sent.
    /// </summary>
    public ApiException ForgetUnloadedAdapter(ResolvedModel model)
    {
        Forget();
        return ApiException.ModelNotFound(model.Name);
    }

    private static ResolvedModel? Find(ModelInfo info, string? requested)
    {
        if (string.IsNullOrEmpty(requested) || requested == info.Name)
        {
            return new ResolvedModel(info, info.Name, null);
        }

        return info.LoraAdapters.FirstOrDefault(adapter => adapter.Name == requested) is { } adapter
            ? new ResolvedModel(info, adapter.Name, adapter)
            : null;
    }

    /// <summary>Asks the scheduler and remembers the answer; null, without asking, when it was asked less than <paramref name="notWithin"/> ago.</summary>
    private async Task<ModelInfo?> AskAsync(TimeSpan? notWithin, CancellationToken cancellationToken)
    {
        long forgets;
        lock (_gate)
        {
            if (notWithin is { } interval && _askedAt is { } askedAt && time.GetElapsedTime(askedAt) < interval)
            {
                return null;
            }

            forgets = _forgets;
            _askedAt = time.GetTimestamp();
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded LoRA adapter {Name} from {Path} (rank {Rank}), found by the LoRA filesystem resolver")]
    private static partial void LogResolved(ILogger logger, string name, string path, int rank);
}
