using System.Text.Json;
using Gateway.Api.Errors;

namespace Gateway.Api.Json;

/// <summary>
/// Refuses a body whose text is not valid Unicode: raw bytes that are not UTF-8, or a JSON escape of a lone UTF-16
/// surrogate such as <c>"\ud800"</c>. JSON lets both through the parser; they fail only when read as a string, and no
/// tokenizer, template or gRPC message can carry them. Checked once for the whole body, so every later read is safe;
/// the 400 names the top-level field and the path inside it.
/// </summary>
public static class WellFormedText
{
    private const string Problem =
        "is not valid Unicode text: it holds bytes that are not UTF-8 or a lone UTF-16 surrogate (such as \\ud800).";

    public static void Require(JsonElement root)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (!TryGetName(property, out var field))
            {
                throw ApiException.BadRequest($"A field name of the request body {Problem}");
            }

            if (FindInvalid(property.Value) is { } path)
            {
                throw ApiException.BadRequest($"{field}{path} {Problem}", field);
            }
        }
    }

    /// <summary>The path (relative to <paramref name="value"/>) of the first invalid string or name, or null.</summary>
    private static string? FindInvalid(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return IsValid(value) ? null : "";
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (FindInvalid(item) is { } inner)
                    {
                        return $"[{index}]{inner}";
                    }

                    index++;
                }

                return null;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if (!TryGetName(property, out var name))
                    {
                        return " (a field name)";
                    }

                    if (FindInvalid(property.Value) is { } inner)
                    {
                        return $".{name}{inner}";
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static bool IsValid(JsonElement text)
    {
        try
        {
            _ = text.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool TryGetName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }
}
