using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Json;

namespace Gateway.Api.Chat;

/// <summary>
/// OpenAI's prediction (Predicted Outputs): <c>{"type": "content", "content": ...}</c>, the content a string or an array
/// of text parts (their texts joined). The engine drafts its tokens for speculative decoding where the answer lines up
/// with it; anything else is a 400 naming the field.
/// </summary>
public static class PredictionField
{
    private const string Name = "prediction";

    /// <summary>The predicted text, or null when the field is absent.</summary>
    public static string? Read(RequestFields fields)
    {
        if (fields.Object(Name) is not { } prediction)
        {
            return null;
        }

        foreach (var property in prediction.Root.EnumerateObject())
        {
            if (property.Name is not ("type" or "content"))
            {
                throw ApiException.BadRequest($"prediction.{property.Name} is not a field of a prediction; it takes type and content.", Name);
            }
        }

        var type = prediction.Raw("type") is { ValueKind: JsonValueKind.String } t ? t.GetString() : null;
        if (type != "content")
        {
            throw ApiException.BadRequest($"prediction.type must be \"content\", got {prediction.Raw("type")?.GetRawText() ?? "nothing"}.", Name);
        }

        return prediction.Raw("content") switch
        {
            { ValueKind: JsonValueKind.String } text => text.GetString()!,
            { ValueKind: JsonValueKind.Array } parts => string.Concat(parts.EnumerateArray().Select(TextOf)),
            var other => throw ApiException.BadRequest(
                $"prediction.content must be a string or an array of text parts, got {other?.GetRawText() ?? "nothing"}.", Name),
        };
    }

    private static string TextOf(JsonElement part, int index) =>
        part.ValueKind == JsonValueKind.Object
        && part.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "text"
        && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString()!
            : throw ApiException.BadRequest($"prediction.content[{index}] must be a text part, {{\"type\": \"text\", \"text\": \"...\"}}.", Name);
}
