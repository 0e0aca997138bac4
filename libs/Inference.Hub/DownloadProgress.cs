namespace Inference.Hub;

/// <summary>How far a snapshot download is.</summary>
/// <param name="FileName">The file being downloaded (its path in the repository).</param>
/// <param name="BytesDone">Bytes of the whole download present so far, resumed bytes included.</param>
/// <param name="BytesTotal">Bytes of every file the download needs.</param>
public sealed record DownloadProgress(string RepoId, string FileName, long BytesDone, long BytesTotal)
{
    /// <summary>0 to 1; 1 when there is nothing to fetch.</summary>
    public double Fraction => BytesTotal <= 0 ? 1 : Math.Clamp((double)BytesDone / BytesTotal, 0, 1);
}
