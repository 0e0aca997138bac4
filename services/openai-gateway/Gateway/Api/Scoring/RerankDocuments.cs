using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Json;

namespace Gateway.Api.Scoring;

/// <summary>
/// Rerank's <c>documents</c>: a non-empty array of strings, or of objects with a string <c>text</c> (as Jina's and
/// Cohere's clients send them; their other fields are not read). Every 400 names documents, its message the item.
/// </summary>
public static class RerankDocuments
{
    public const string Field = "documents";

    private const string Expected = "a string or an object with a string text";

    /// <returns>Each document's text, in order.</returns>
    public static IReadOnlyList<string> Read(RequestFields fields)
    {
        var value = fields.Array(Field, "an array of strings or of objects with a string text")
            ?? throw ApiException.BadRequest($"{Field} is required.", Field);
        var items = value.EnumerateArray().ToArray();
        if (items.Length == 0)
        {
            throw ApiException.BadRequest($"{Field} is an empty array: send at least one document.", Field);
        }

        return [.. items.Select((item, i) => Text(item, $"{Field}[{i}]"))];
    }

    private static string Text(JsonElement document, string path) => ScoreTexts.NonEmpty(
        document.ValueKind switch
        {
            JsonValueKind.String => document.GetString()!,
            JsonValueKind.Object when document.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String =>
                text.GetString()!,
            _ => throw ApiException.BadRequest($"{path} must be {Expected}, got {Describe(document)}.", Field),
        },
        Field,
        path);

    private static string Describe(JsonElement document) =>
        document.ValueKind == JsonValueKind.Object ? "an object without a string text" : RequestBody.Describe(document.ValueKind);
}
