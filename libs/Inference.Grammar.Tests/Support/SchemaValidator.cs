using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Inference.Grammar.Tests.Support;

/// <summary>
/// An independent validator for the supported JSON Schema subset (the oracle of the random-walk tests). Returns the
/// first violation, or null. In strict mode a missing additionalProperties means false.
/// </summary>
internal sealed class SchemaValidator(JsonElement root, bool strict)
{
    public static string? Validate(string json, string schema, bool strict = true)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
            _ = node?.ToJsonString();
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return $"not JSON: {e.Message}";
        }
        using var document = JsonDocument.Parse(schema);
        return new SchemaValidator(document.RootElement, strict).Check(node, document.RootElement, "$");
    }

    private string? Check(JsonNode? node, JsonElement schema, string at)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return null;
        }
        if (schema.TryGetProperty("$ref", out var reference))
        {
            return Check(node, Resolve(reference.GetString()!), at);
        }
        if (schema.TryGetProperty("const", out var constant) && !JsonNode.DeepEquals(node, JsonNode.Parse(constant.GetRawText())))
        {
            return $"{at}: not the const";
        }
        if (schema.TryGetProperty("enum", out var values) &&
            !values.EnumerateArray().Any(v => JsonNode.DeepEquals(node, JsonNode.Parse(v.GetRawText()))))
        {
            return $"{at}: not in the enum";
        }
        foreach (string combinator in new[] { "anyOf", "oneOf" })
        {
            if (schema.TryGetProperty(combinator, out var alternatives) &&
                alternatives.EnumerateArray().All(s => Check(node, s, at) is not null))
            {
                return $"{at}: matches none of {combinator}";
            }
        }
        if (schema.TryGetProperty("allOf", out var all))
        {
            foreach (var s in all.EnumerateArray())
            {
                if (Check(node, s, at) is { } error)
                {
                    return error;
                }
            }
        }
        if (schema.TryGetProperty("type", out var type))
        {
            var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToArray() : [type.GetString()!];
            if (!types.Any(t => HasType(node, t)))
            {
                return $"{at}: not of type {string.Join("|", types)}";
            }
        }
        return node switch
        {
            JsonObject obj => CheckObject(obj, schema, at),
            JsonArray array => CheckArray(array, schema, at),
            JsonValue value when value.GetValueKind() == JsonValueKind.String => CheckString(value.GetValue<string>(), schema, at),
            JsonValue value when value.GetValueKind() == JsonValueKind.Number => CheckNumber(value, schema, at),
            _ => null,
        };
    }

    private static bool HasType(JsonNode? node, string type) => type switch
    {
        "null" => node is null,
        "object" => node is JsonObject,
        "array" => node is JsonArray,
        "string" => node is JsonValue v && v.GetValueKind() == JsonValueKind.String,
        "boolean" => node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "number" => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number,
        "integer" => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && Regex.IsMatch(v.ToJsonString(), "^-?[0-9]+$"),
        _ => false,
    };

    private string? CheckObject(JsonObject obj, JsonElement schema, string at)
    {
        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray())
            {
                if (!obj.ContainsKey(name.GetString()!))
                {
                    return $"{at}: missing required '{name.GetString()}'";
                }
            }
        }
        foreach (var (name, value) in obj)
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var propertySchema))
            {
                if (Check(value, propertySchema, $"{at}.{name}") is { } error)
                {
                    return error;
                }
                continue;
            }
            bool hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
            bool declaresObject = properties.ValueKind == JsonValueKind.Object || schema.TryGetProperty("type", out _);
            if ((!hasAdditional && strict && declaresObject) || (hasAdditional && additional.ValueKind == JsonValueKind.False))
            {
                return $"{at}: additional property '{name}'";
            }
            if (hasAdditional && additional.ValueKind == JsonValueKind.Object && Check(value, additional, $"{at}.{name}") is { } e)
            {
                return e;
            }
        }
        return null;
    }

    private string? CheckArray(JsonArray array, JsonElement schema, string at)
    {
        int prefixCount = 0;
        if (schema.TryGetProperty("prefixItems", out var prefix))
        {
            var schemas = prefix.EnumerateArray().ToArray();
            prefixCount = schemas.Length;
            for (int i = 0; i < Math.Min(schemas.Length, array.Count); i++)
            {
                if (Check(array[i], schemas[i], $"{at}[{i}]") is { } error)
                {
                    return error;
                }
            }
        }
        bool hasItems = schema.TryGetProperty("items", out var items);
        if (array.Count > prefixCount && ((hasItems && items.ValueKind == JsonValueKind.False) || (!hasItems && strict && prefixCount > 0)))
        {
            return $"{at}: items beyond prefixItems";
        }
        for (int i = prefixCount; hasItems && i < array.Count; i++)
        {
            if (Check(array[i], items, $"{at}[{i}]") is { } error)
            {
                return error;
            }
        }
        if (schema.TryGetProperty("minItems", out var min) && array.Count < min.GetInt32())
        {
            return $"{at}: fewer than minItems";
        }
        if (schema.TryGetProperty("maxItems", out var max) && array.Count > max.GetInt32())
        {
            return $"{at}: more than maxItems";
        }
        return null;
    }

    private static string? CheckString(string text, JsonElement schema, string at)
    {
        int length = text.EnumerateRunes().Count();
        if (schema.TryGetProperty("minLength", out var min) && length < min.GetInt32())
        {
            return $"{at}: shorter than minLength";
        }
        if (schema.TryGetProperty("maxLength", out var max) && length > max.GetInt32())
        {
            return $"{at}: longer than maxLength";
        }
        if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, pattern.GetString()!, RegexOptions.ECMAScript))
        {
            return $"{at}: does not match pattern";
        }
        if (schema.TryGetProperty("format", out var format) && !FormatHolds(format.GetString()!, text))
        {
            return $"{at}: not a {format.GetString()}";
        }
        return null;
    }

    private static bool FormatHolds(string format, string text) => format switch
    {
        "uuid" => Guid.TryParseExact(text, "D", out _),
        "date" => Regex.IsMatch(text, @"^\d{4}-\d{2}-\d{2}$") && int.Parse(text[5..7], CultureInfo.InvariantCulture) is >= 1 and <= 12 &&
                  int.Parse(text[8..10], CultureInfo.InvariantCulture) is >= 1 and <= 31,
        "date-time" => DateTimeOffset.TryParse(text.Replace("T", " "), CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ||
                       Regex.IsMatch(text, @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"),
        "email" => text.Count(c => c == '@') == 1 && text.IndexOf('@') > 0 && text[(text.IndexOf('@') + 1)..].Contains('.'),
        _ => true,
    };

    private static string? CheckNumber(JsonValue value, JsonElement schema, string at)
    {
        double d = value.GetValue<double>();
        if (schema.TryGetProperty("minimum", out var min) && d < min.GetDouble())
        {
            return $"{at}: below minimum";
        }
        if (schema.TryGetProperty("maximum", out var max) && d > max.GetDouble())
        {
            return $"{at}: above maximum";
        }
        if (schema.TryGetProperty("exclusiveMinimum", out var emin) && d <= emin.GetDouble())
        {
            return $"{at}: not above exclusiveMinimum";
        }
        if (schema.TryGetProperty("exclusiveMaximum", out var emax) && d >= emax.GetDouble())
        {
            return $"{at}: not below exclusiveMaximum";
        }
        return null;
    }

    private JsonElement Resolve(string reference)
    {
        var current = root;
        if (reference == "#")
        {
            return current;
        }
        foreach (string segment in reference[2..].Split('/'))
        {
            current = current.GetProperty(segment);
        }
        return current;
    }
}
