using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Json;

namespace Gateway.Api.Scoring;

/// <summary>
/// The text fields of score and rerank: required, none empty (each text is embedded, and an empty one has no token to
/// pool). Every 400 names the field, its message the item (<c>text_2[3]</c>).
/// </summary>
public static class ScoreTexts
{
    /// <summary>A field that is one string (rerank's query).</summary>
    public static string One(RequestFields fields, string name) =>
        NonEmpty(fields.String(name) ?? throw Missing(name), name, name);

    /// <summary>A field that is a string or a non-empty array of strings (score's text_1 and text_2); a string is one text.</summary>
    public static IReadOnlyList<string> OneOrMany(RequestFields fields, string name)
    {
        var value = fields.Raw(name) ?? throw Missing(name);
        if (value.ValueKind == JsonValueKind.String)
        {
            return [NonEmpty(value.GetString()!, name, name)];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw RequestFields.WrongType(name, "a string or an array of strings", value);
        }

        var items = value.EnumerateArray().ToArray();
        if (items.Length == 0)
        {
            throw ApiException.BadRequest($"{name} is an empty array: send at least one text.", name);
        }

        return [.. items.Select((item, i) => item.ValueKind == JsonValueKind.String
            ? NonEmpty(item.GetString()!, name, $"{name}[{i}]")
            : throw ApiException.BadRequest($"{name}[{i}] must be a string, got {RequestBody.Describe(item.ValueKind)}.", name))];
    }

    /// <param name="text">The text.</param>
    /// <param name="field">The field the 400 names.</param>
    /// <param name="path">Where the text is, which the 400's message names.</param>
    public static string NonEmpty(string text, string field, string path) => text.Length > 0
        ? text
        : throw ApiException.BadRequest($"{path} is an empty string: every text needs at least one token.", field);

    private static ApiException Missing(string name) => ApiException.BadRequest($"{name} is required.", name);
}
