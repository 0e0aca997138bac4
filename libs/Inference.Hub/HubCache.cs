namespace Inference.Hub;

/// <summary>
/// One repository's folder in the huggingface_hub cache: <c>refs/REVISION</c> holds a commit hash,
/// <c>snapshots/COMMIT/FILE</c> are links into <c>blobs/ETAG</c> (the sha256 for LFS files, the git blob hash for
/// others). The same layout Python tools read and write, so they share downloads.
/// </summary>
public sealed class HubCache(string cacheDirectory, RepoReference repo)
{
    public string RepoDirectory { get; } = Path.Combine(cacheDirectory, repo.CacheFolderName);

    public string BlobsDirectory => Path.Combine(RepoDirectory, "blobs");

    public string SnapshotDirectory(string commit) => Path.Combine(RepoDirectory, "snapshots", commit);

    public string BlobPath(string etag) => Path.Combine(BlobsDirectory, etag);

    /// <summary>Where a blob grows while it downloads; kept across runs so the next one resumes it.</summary>
    public string IncompletePath(string etag) => BlobPath(etag) + ".incomplete";

    public string RefPath(string revision) => Path.Combine(RepoDirectory, "refs", revision);

    /// <summary>The commit the revision stands for in the cache: itself if it is a hash, else refs/REVISION.</summary>
    public string? CachedCommit()
    {
        if (repo.RevisionIsCommit) return repo.Revision;
        var path = RefPath(repo.Revision);
        return File.Exists(path) && File.ReadAllText(path).Trim() is { } commit && RepoReference.IsCommitHash(commit) ? commit : null;
    }

    /// <summary>Records which commit the revision stands for (not for a revision that is a commit already).</summary>
    public void WriteRef(string commit)
    {
        if (repo.Revision == commit) return;
        var path = RefPath(repo.Revision);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, commit);
    }
}
