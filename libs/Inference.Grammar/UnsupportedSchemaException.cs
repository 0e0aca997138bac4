namespace Inference.Grammar;

/// <summary>A JSON Schema keyword (or keyword value) the engine does not support, at a JSON pointer into the schema.</summary>
public sealed class UnsupportedSchemaException(string keyword, string path, string? detail = null)
    : GrammarException($"JSON schema keyword '{keyword}' at '{(path.Length == 0 ? "/" : path)}' is not supported" +
                       (detail is null ? "" : $": {detail}"))
{
    /// <summary>The keyword, as written in the schema.</summary>
    public string Keyword { get; } = keyword;

    /// <summary>JSON pointer of the schema object holding the keyword ("" for the root).</summary>
    public string Path { get; } = path;
}
