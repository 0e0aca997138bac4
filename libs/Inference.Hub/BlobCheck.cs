using System.Security.Cryptography;
using System.Text;

namespace Inference.Hub;

/// <summary>Whether a blob holds what the hub listed: its size, then its sha256 (LFS) or git blob hash (others).</summary>
public static class BlobCheck
{
    /// <summary>Null when the file matches; else why not, for the log.</summary>
    public static string? Mismatch(string path, RepoFile file)
    {
        var length = new FileInfo(path).Length;
        if (file.Size is { } size && length != size) return $"size {length} bytes, expected {size}";
        using var stream = File.OpenRead(path);
        if (file.Sha256 is { } sha256)
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            return actual == sha256 ? null : $"sha256 {actual}, expected {sha256}";
        }
        if (file.BlobId is { } blobId)
        {
            // git's blob hash: sha1 of "blob LEN\0" then the content.
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            sha1.AppendData(Encoding.ASCII.GetBytes($"blob {length}\0"));
            var buffer = new byte[81920];
            int read;
            while ((read = stream.Read(buffer)) > 0) sha1.AppendData(buffer, 0, read);
            var actual = Convert.ToHexStringLower(sha1.GetHashAndReset());
            return actual == blobId ? null : $"git blob hash {actual}, expected {blobId}";
        }
        return null;
    }
}
