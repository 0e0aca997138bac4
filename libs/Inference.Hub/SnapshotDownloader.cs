using System.Net;
using Microsoft.Extensions.Logging;

namespace Inference.Hub;

/// <summary>
/// Fetches the files serving needs of one revision into the cache: each into <c>blobs/ETAG.incomplete</c>
/// (resumed with an HTTP Range request when a previous run left part of it), checked against the listed size and
/// hash, moved to <c>blobs/ETAG</c> and linked from <c>snapshots/COMMIT/</c>. A blob already there is checked the
/// same way and fetched again when it does not match.
/// </summary>
internal sealed partial class SnapshotDownloader(HubClient client, HubCache cache, RepoReference repo, ILogger logger)
{
    private const int Attempts = 2;
    private long _bytesDone;
    private long _bytesTotal;

    public async Task DownloadAsync(RepoRevision revision, IReadOnlyList<RepoFile> files, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        _bytesTotal = files.Sum(f => f.Size ?? 0);
        var snapshot = cache.SnapshotDirectory(revision.Commit);
        Directory.CreateDirectory(cache.BlobsDirectory);
        foreach (var file in files)
        {
            var etag = file.Etag ?? throw new HubException(
                $"the hub listed {file.Path} of {repo} without a blob hash or sha256, so it cannot be cached or checked");
            var blob = cache.BlobPath(etag);
            if (!IsGoodBlob(blob, file)) await FetchAsync(revision.Commit, file, etag, progress, cancellationToken);
            else _bytesDone += file.Size ?? 0;
            if (!SnapshotLink.Create(Path.Combine(snapshot, file.Path), blob)) LogCopied(logger, file.Path);
            progress?.Report(new DownloadProgress(repo.RepoId, file.Path, _bytesDone, _bytesTotal));
        }
    }

    private bool IsGoodBlob(string blob, RepoFile file)
    {
        if (!File.Exists(blob)) return false;
        if (BlobCheck.Mismatch(blob, file) is not { } why) return true;
        LogBadBlob(logger, file.Path, repo.RepoId, why);
        File.Delete(blob);
        return false;
    }

    private async Task FetchAsync(string commit, RepoFile file, string etag, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var incomplete = cache.IncompletePath(etag);
        var doneBefore = _bytesDone;
        for (var attempt = 1; ; attempt++)
        {
            _bytesDone = doneBefore;
            await FetchOnceAsync(commit, file, incomplete, progress, cancellationToken);
            if (BlobCheck.Mismatch(incomplete, file) is not { } why)
            {
                File.Move(incomplete, cache.BlobPath(etag), overwrite: true);
                return;
            }
            File.Delete(incomplete);
            LogBadDownload(logger, file.Path, repo.RepoId, why, attempt);
            if (attempt == Attempts)
                throw new HubException($"{file.Path} of {repo} failed its check after {Attempts} downloads: {why}");
        }
    }

    private async Task FetchOnceAsync(string commit, RepoFile file, string incomplete, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        long have = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (file.Size is { } size && have > size) have = 0;
        if (have > 0) LogResuming(logger, file.Path, have);
        else LogDownloading(logger, file.Path, file.Size ?? -1);

        using var response = await client.GetFileAsync(repo, commit, file.Path, have, cancellationToken);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // Everything was there already; the check decides whether it is right.
            _bytesDone += have;
            return;
        }
        var append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        if (!append) have = 0;
        _bytesDone += have;
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var output = new FileStream(incomplete, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            _bytesDone += read;
            progress?.Report(new DownloadProgress(repo.RepoId, file.Path, _bytesDone, _bytesTotal));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "downloading {File} ({Bytes} bytes)")]
    private static partial void LogDownloading(ILogger logger, string file, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "resuming {File} from byte {Offset}")]
    private static partial void LogResuming(ILogger logger, string file, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cached blob of {File} in {Repo} is damaged ({Reason}); fetching it again")]
    private static partial void LogBadBlob(ILogger logger, string file, string repo, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "downloaded {File} of {Repo} failed its check ({Reason}) on attempt {Attempt}")]
    private static partial void LogBadDownload(ILogger logger, string file, string repo, string reason, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "symbolic links unavailable: copied {File} into the snapshot")]
    private static partial void LogCopied(ILogger logger, string file);
}
