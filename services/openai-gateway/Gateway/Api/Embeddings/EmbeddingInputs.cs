using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Json;

namespace Gateway.Api.Embeddings;

/// <summary>
/// OpenAI's embeddings <c>input</c>, one prompt per input: a string, an array of strings, an array of token ids (one
/// input), or an array of token-id arrays. Every 400 names <c>input</c>, its message the item (<c>input[3]</c>) as
/// <see cref="WellFormedText"/> does. The token ids' range is the engine's to check (it knows the vocabulary).
/// </summary>
public static class EmbeddingInputs
{
    public const string Field = "input";

    /// <summary>OpenAI's limit on the inputs of one request.</summary>
    public const int MaxInputs = 2048;

    private const string Expected = "a string, an array of strings, an array of token ids, or an array of token-id arrays";

    /// <param name="addSpecialTokens">add_special_tokens, for text inputs (token ids are embedded as they are).</param>
    public static IReadOnlyList<Prompt> Read(RequestFields fields, bool addSpecialTokens)
    {
        var input = fields.Raw(Field) ?? throw ApiException.BadRequest("input is required.", Field);
        if (input.ValueKind == JsonValueKind.String)
        {
            return [Text(input, Field, addSpecialTokens)];
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            throw RequestFields.WrongType(Field, Expected, input);
        }

        var items = input.EnumerateArray().ToArray();
        if (items.Length == 0)
        {
            throw ApiException.BadRequest("input is an empty array: send at least one string or token id.", Field);
        }

        // An array whose first item is a number is one input of token ids; a string or an int among them is refused below.
        if (items[0].ValueKind == JsonValueKind.Number)
        {
            return [TokenIds(input, Field)];
        }

        if (items.Length > MaxInputs)
        {
            throw ApiException.BadRequest($"input holds {items.Length} inputs; at most {MaxInputs} per request.", Field);
        }

        var kind = items[0].ValueKind;
        return [.. items.Select<JsonElement, Prompt>((item, i) =>
        {
            var path = $"{Field}[{i}]";
            if (item.ValueKind != kind)
            {
                throw ApiException.BadRequest(
                    $"{path} is {RequestBody.Describe(item.ValueKind)} but {Field}[0] is {RequestBody.Describe(kind)}: the inputs of one request are all strings or all token-id arrays.",
                    Field);
            }

            return item.ValueKind switch
            {
                JsonValueKind.String => Text(item, path, addSpecialTokens),
                JsonValueKind.Array => TokenIds(item, path),
                _ => throw Malformed(path, "a string or an array of token ids", item),
            };
        })];
    }

    private static TextPrompt Text(JsonElement text, string path, bool addSpecialTokens)
    {
        var value = text.GetString()!;
        if (value.Length == 0)
        {
            throw ApiException.BadRequest($"{path} is an empty string: every input needs at least one token.", Field);
        }

        // The Embed contract encodes text as plain text: markup such as <|im_start|> in it is not read as a control token.
        return new TextPrompt(value, ParseSpecialTokens: false, addSpecialTokens);
    }

    private static TokenIdsPrompt TokenIds(JsonElement array, string path)
    {
        var items = array.EnumerateArray().ToArray();
        if (items.Length == 0)
        {
            throw ApiException.BadRequest($"{path} is an empty array of token ids: every input needs at least one token.", Field);
        }

        return new TokenIdsPrompt([.. items.Select((item, i) => item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var id)
            ? id
            : throw Malformed($"{path}[{i}]", "a token id (a 32-bit integer)", item))]);
    }

    private static ApiException Malformed(string path, string expected, JsonElement value) =>
        ApiException.BadRequest($"{path} must be {expected}, got {RequestBody.Describe(value.ValueKind)}.", Field);
}
