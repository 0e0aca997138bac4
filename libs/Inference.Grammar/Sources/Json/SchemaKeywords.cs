namespace Inference.Grammar.Sources.Json;

/// <summary>
/// The JSON Schema keywords the converter understands. Any other keyword is refused (never silently ignored), since
/// it could constrain the output in a way the grammar would not enforce.
/// </summary>
internal static class SchemaKeywords
{
    /// <summary>Keywords without effect on validation.</summary>
    public static readonly HashSet<string> Annotations =
        ["title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly", "writeOnly"];

    /// <summary>Containers of definitions for <c>$ref</c>; no effect where they stand.</summary>
    public static readonly HashSet<string> Definitions = ["$defs", "definitions"];

    public static readonly HashSet<string> Supported =
    [
        "type", "enum", "const", "anyOf", "oneOf", "allOf", "$ref",
        "properties", "required", "additionalProperties",
        "items", "prefixItems", "minItems", "maxItems",
        "minLength", "maxLength", "pattern", "format",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    ];

    public static bool IsInert(string keyword) => Annotations.Contains(keyword) || Definitions.Contains(keyword);
}
