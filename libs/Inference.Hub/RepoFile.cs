namespace Inference.Hub;

/// <summary>One file of a repository revision, as the hub's model API lists it with <c>?blobs=true</c>.</summary>
/// <param name="Path">Its path in the repository (rfilename).</param>
/// <param name="Size">Its size in bytes, when the hub gave it.</param>
/// <param name="BlobId">The git blob hash (sha1 of "blob LEN\0" + content).</param>
/// <param name="Sha256">The sha256 of an LFS file's content; null for a file kept in git.</param>
public sealed record RepoFile(string Path, long? Size, string? BlobId, string? Sha256)
{
    /// <summary>
    /// The name of its blob in the cache, as huggingface_hub names it from the ETag: the sha256 for an LFS file,
    /// the git blob hash for others.
    /// </summary>
    public string? Etag => Sha256 ?? BlobId;
}

/// <summary>A revision pinned to its commit, with its files.</summary>
public sealed record RepoRevision(string Commit, IReadOnlyList<RepoFile> Files);
