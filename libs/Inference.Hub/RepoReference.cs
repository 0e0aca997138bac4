namespace Inference.Hub;

/// <summary>A repository id <c>ORG/NAME</c> with a revision: a branch, a tag or a commit hash (default main).</summary>
public sealed record RepoReference(string RepoId, string Revision)
{
    public const string DefaultRevision = "main";

    /// <summary>The cache folder name huggingface_hub uses: models--ORG--NAME.</summary>
    public string CacheFolderName => "models--" + RepoId.Replace("/", "--", StringComparison.Ordinal);

    /// <summary>Whether the revision is a full commit hash (40 hex digits).</summary>
    public bool RevisionIsCommit => IsCommitHash(Revision);

    /// <summary>Reads ORG/NAME or ORG/NAME@REVISION; null when the text is not shaped like one.</summary>
    public static RepoReference? TryParse(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var id = at < 0 ? text : text[..at];
        var revision = at < 0 ? DefaultRevision : text[(at + 1)..];
        var parts = id.Split('/');
        if (parts.Length != 2 || !parts.All(IsNamePart) || revision.Length == 0) return null;
        return new RepoReference(id, revision);
    }

    public static bool IsCommitHash(string text) => text.Length == 40 && text.All(char.IsAsciiHexDigitLower);

    public override string ToString() => $"{RepoId}@{Revision}";

    private static bool IsNamePart(string part) =>
        part.Length > 0 && part is not ("." or "..") && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
