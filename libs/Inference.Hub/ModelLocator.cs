using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inference.Hub;

/// <summary>
/// Turns <c>--model</c> into a folder, as vLLM does through huggingface_hub: an existing folder (or a .gguf file,
/// which carries weights and tokenizer in one) is used as it is;
/// <c>ORG/NAME[@REVISION]</c> is looked up in the hub cache (no network when the snapshot has config.json and its
/// weights) and otherwise downloaded into it, unless offline.
/// </summary>
public sealed partial class ModelLocator(HubOptions options, HttpClient? http = null, ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Resolves with a fresh HTTP client for the hub.</summary>
    public static async Task<ResolvedModel> ResolveAsync(string model, HubOptions options, IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        return await new ModelLocator(options, http).ResolveAsync(model, progress, cancellationToken);
    }

    public async Task<ResolvedModel> ResolveAsync(string model, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (Directory.Exists(model))
        {
            var folder = Path.GetFullPath(model).TrimEnd(Path.DirectorySeparatorChar);
            return new ResolvedModel(folder, null, null, Path.GetFileName(folder));
        }
        if (model.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) && File.Exists(model))
        {
            return new ResolvedModel(Path.GetFullPath(model), null, null, Path.GetFileNameWithoutExtension(model));
        }
        var repo = RepoReference.TryParse(model) ?? throw new HubException(
            $"model '{model}' is neither an existing folder or .gguf file nor a Hugging Face repository id (ORG/NAME or ORG/NAME@REVISION)");

        var cache = new HubCache(options.CacheDirectory, repo);
        if (cache.CachedCommit() is { } cached && ServableSnapshot.IsComplete(cache.SnapshotDirectory(cached)))
        {
            LogCached(_logger, repo.ToString(), cache.SnapshotDirectory(cached));
            return Resolved(repo, cache, cached);
        }
        if (options.Offline)
            throw new HubException(
                $"{repo} is not in the Hugging Face cache {options.CacheDirectory} (no snapshot with config.json and safetensors " +
                $"weights) and HF_HUB_OFFLINE is set, so it is not downloaded: unset HF_HUB_OFFLINE, or download it where the hub " +
                $"can be reached and point HF_HUB_CACHE at that cache");

        var client = new HubClient(http ?? throw new InvalidOperationException("no HttpClient given for the hub"), options);
        var revision = await client.GetRevisionAsync(repo, cancellationToken);
        var files = revision.Files.Where(f => ServableSnapshot.IsNeeded(f.Path)).ToList();
        if (!files.Any(f => f.Path == "config.json") || !files.Any(f => f.Path.EndsWith(".safetensors", StringComparison.Ordinal)))
            throw new HubException($"{repo} (commit {revision.Commit}) has no config.json and safetensors weights, the only format served here");

        LogDownload(_logger, repo.ToString(), revision.Commit, files.Count, cache.RepoDirectory);
        await new SnapshotDownloader(client, cache, repo, _logger).DownloadAsync(revision, files, progress, cancellationToken);
        cache.WriteRef(revision.Commit);
        return Resolved(repo, cache, revision.Commit);
    }

    private static ResolvedModel Resolved(RepoReference repo, HubCache cache, string commit) =>
        new(cache.SnapshotDirectory(commit), repo.RepoId, commit, repo.RepoId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Repo} found in the hub cache at {Snapshot}")]
    private static partial void LogCached(ILogger logger, string repo, string snapshot);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Repo} is commit {Commit}: fetching {Files} file(s) into {CacheFolder}")]
    private static partial void LogDownload(ILogger logger, string repo, string commit, int files, string cacheFolder);
}
