namespace Inference.Hub;

/// <summary>
/// Puts a blob at its snapshot path as huggingface_hub does: a relative symbolic link
/// (<c>snapshots/COMMIT/FILE -> ../../blobs/ETAG</c>), or a copy where links cannot be made.
/// </summary>
public static class SnapshotLink
{
    /// <returns>True when it made a link, false when it fell back to a copy.</returns>
    public static bool Create(string snapshotFile, string blobPath)
    {
        var directory = Path.GetDirectoryName(snapshotFile)!;
        Directory.CreateDirectory(directory);
        var existing = new FileInfo(snapshotFile);
        if (existing.Exists || existing.LinkTarget is not null) existing.Delete();
        try
        {
            File.CreateSymbolicLink(snapshotFile, Path.GetRelativePath(directory, blobPath));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(blobPath, snapshotFile, overwrite: true);
            return false;
        }
    }
}
