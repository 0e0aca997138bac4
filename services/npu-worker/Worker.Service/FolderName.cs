namespace Worker.Service;

/// <summary>The last segment of a folder path given as text, possibly of another machine (a Windows or POSIX host).</summary>
public static class FolderName
{
    private static readonly char[] Separators = ['/', '\\'];

    /// <summary>"/data/Qwen2.5-0.5B-Instruct/" and "C:\models\Qwen3-8B" give the folder's name; null when there is none ("/", "").</summary>
    public static string? Of(string path)
    {
        var trimmed = path.Trim().TrimEnd(Separators);
        var name = trimmed[(trimmed.LastIndexOfAny(Separators) + 1)..];
        return name is "" or "." or ".." ? null : name;
    }
}
