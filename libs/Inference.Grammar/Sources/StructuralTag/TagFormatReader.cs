using System.Text.Json;

namespace Inference.Grammar.Sources.StructuralTag;

/// <summary>
/// Reads the <c>format</c> object of xgrammar's newer structural tag into a <see cref="TagFormat"/> tree. Every field is
/// checked: a missing required one, one of the wrong type, one this engine does not know, a format type it does not
/// serve (the token-level ones, dispatch) or an option it cannot honour (json_schema styles other than json, any_order,
/// any_text's token and character budgets) throws <see cref="GrammarException"/> naming its path (<c>format.tags[0].end</c>).
/// </summary>
internal static class TagFormatReader
{
    private static readonly string[] NotServed = ["dispatch", "token", "exclude_token", "any_tokens", "token_triggered_tags", "token_dispatch", "qwen_xml_parameter"];

    /// <summary>The tree of a format object given as JSON text.</summary>
    public static TagFormat Read(string formatJson)
    {
        using var document = Parse(formatJson, "format");
        return Format(document.RootElement, "format");
    }

    private static JsonDocument Parse(string json, string path)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new GrammarException($"{path} is not valid JSON: {e.Message}");
        }
    }

    private static TagFormat Format(JsonElement format, string path)
    {
        if (format.ValueKind != JsonValueKind.Object)
        {
            throw new GrammarException($"{path} must be a format object {{type, ...}}, got {Kind(format)}");
        }

        string type = format.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()!
            : throw new GrammarException($"{path}.type must be a string naming the format (const_string, json_schema, grammar, regex, any_text, sequence, or, optional, plus, star, repeat, tag, triggered_tags, tags_with_separator)");
        switch (type)
        {
            case "const_string":
                Fields(format, path, "value");
                return new TagFormat.ConstString(path, String(format, "value", path));
            case "json_schema":
                Fields(format, path, "json_schema", "style", "any_order");
                if (format.TryGetProperty("style", out var style) && !(style.ValueKind == JsonValueKind.String && style.ValueEquals("json")))
                {
                    throw new GrammarException($"{path}.style: only \"json\" is supported, got {style.GetRawText()}");
                }
                if (format.TryGetProperty("any_order", out var anyOrder) && anyOrder.ValueKind != JsonValueKind.False)
                {
                    throw new GrammarException($"{path}.any_order: only false is supported (properties in their declared order), got {anyOrder.GetRawText()}");
                }
                return new TagFormat.JsonSchema(path, Schema(Required(format, "json_schema", path), $"{path}.json_schema"));
            case "grammar":
                Fields(format, path, "grammar");
                return new TagFormat.Grammar(path, String(format, "grammar", path));
            case "regex":
                Fields(format, path, "pattern");
                return new TagFormat.Regex(path, String(format, "pattern", path));
            case "any_text":
                Fields(format, path, "excludes", "max_tokens", "max_chars");
                foreach (var budget in new[] { "max_tokens", "max_chars" })
                {
                    if (format.TryGetProperty(budget, out var limit) && limit.ValueKind != JsonValueKind.Null)
                    {
                        throw new GrammarException($"{path}.{budget} is not supported yet: any_text is bounded only by the tag's end and the request's max_tokens");
                    }
                }
                return new TagFormat.AnyText(path, OptionalStrings(format, "excludes", path));
            case "sequence":
            case "or":
                Fields(format, path, "elements");
                var elements = Array(format, "elements", path);
                if (elements.Count == 0)
                {
                    throw new GrammarException($"{path}.elements must hold at least one format");
                }
                var formats = elements.Select((e, i) => Format(e, $"{path}.elements[{i}]")).ToArray();
                return type == "sequence" ? new TagFormat.Sequence(path, formats) : new TagFormat.Or(path, formats);
            case "optional":
                Fields(format, path, "content");
                return new TagFormat.Repeat(path, Format(Required(format, "content", path), $"{path}.content"), 0, 1);
            case "plus":
                Fields(format, path, "content");
                return new TagFormat.Repeat(path, Format(Required(format, "content", path), $"{path}.content"), 1, TagFormat.Repeat.Unbounded);
            case "star":
                Fields(format, path, "content");
                return new TagFormat.Repeat(path, Format(Required(format, "content", path), $"{path}.content"), 0, TagFormat.Repeat.Unbounded);
            case "repeat":
                Fields(format, path, "content", "min", "max");
                int min = Integer(format, "min", path);
                int max = Integer(format, "max", path);
                if (min < 0)
                {
                    throw new GrammarException($"{path}.min must be 0 or more, got {min}");
                }
                if (max != TagFormat.Repeat.Unbounded && max < min)
                {
                    throw new GrammarException($"{path}.max must be at least min ({min}), or -1 for no limit; got {max}");
                }
                return new TagFormat.Repeat(path, Format(Required(format, "content", path), $"{path}.content"), min, max);
            case "tag":
                return Tag(format, path);
            case "triggered_tags":
                Fields(format, path, "triggers", "tags", "at_least_one", "stop_after_first", "excludes");
                return new TagFormat.TriggeredTags(path, Strings(Required(format, "triggers", path), $"{path}.triggers"), Tags(format, path),
                    Bool(format, "at_least_one", path), Bool(format, "stop_after_first", path), OptionalStrings(format, "excludes", path));
            case "tags_with_separator":
                Fields(format, path, "tags", "separator", "at_least_one", "stop_after_first");
                return new TagFormat.TagsWithSeparator(path, Tags(format, path), String(format, "separator", path),
                    Bool(format, "at_least_one", path), Bool(format, "stop_after_first", path));
            default:
                throw new GrammarException(NotServed.Contains(type)
                    ? $"{path}.type \"{type}\" is not supported yet (token-level formats and dispatch)"
                    : $"{path}.type \"{type}\" is not a structural tag format");
        }
    }

    private static TagFormat.Tag Tag(JsonElement format, string path)
    {
        if (format.ValueKind != JsonValueKind.Object)
        {
            throw new GrammarException($"{path} must be a tag object {{begin, content, end}}, got {Kind(format)}");
        }
        if (format.TryGetProperty("type", out var type) && !(type.ValueKind == JsonValueKind.String && type.ValueEquals("tag")))
        {
            throw new GrammarException($"{path}.type must be \"tag\", got {type.GetRawText()}");
        }
        Fields(format, path, "begin", "content", "end");
        var begin = Required(format, "begin", path);
        if (begin.ValueKind != JsonValueKind.String)
        {
            throw new GrammarException($"{path}.begin must be a string (token begins are not supported yet), got {Kind(begin)}");
        }
        var end = Required(format, "end", path);
        IReadOnlyList<string> ends = end.ValueKind switch
        {
            JsonValueKind.String => [end.GetString()!],
            JsonValueKind.Array => Strings(end, $"{path}.end"),
            _ => throw new GrammarException($"{path}.end must be a string or an array of strings (token ends are not supported yet), got {Kind(end)}"),
        };
        if (ends.Count == 0)
        {
            throw new GrammarException($"{path}.end must list at least one end");
        }
        return new TagFormat.Tag(path, begin.GetString()!, Format(Required(format, "content", path), $"{path}.content"), ends);
    }

    private static TagFormat.Tag[] Tags(JsonElement format, string path)
    {
        var tags = Array(format, "tags", path);
        if (tags.Count == 0)
        {
            throw new GrammarException($"{path}.tags must hold at least one tag");
        }
        return [.. tags.Select((t, i) => Tag(t, $"{path}.tags[{i}]"))];
    }

    /// <summary>Refuses a field the format does not have (type aside).</summary>
    private static void Fields(JsonElement format, string path, params string[] known)
    {
        foreach (var property in format.EnumerateObject())
        {
            if (property.Name != "type" && !known.Contains(property.Name))
            {
                throw new GrammarException($"{path}.{property.Name} is not a field of {format.GetProperty("type").GetString()} (it has {string.Join(", ", known)})");
            }
        }
    }

    private static JsonElement Required(JsonElement format, string name, string path) =>
        format.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new GrammarException($"{path}.{name} is required");

    private static string String(JsonElement format, string name, string path)
    {
        var value = Required(format, name, path);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new GrammarException($"{path}.{name} must be a string, got {Kind(value)}");
    }

    private static int Integer(JsonElement format, string name, string path)
    {
        var value = Required(format, name, path);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n)
            ? n
            : throw new GrammarException($"{path}.{name} must be an integer, got {value.GetRawText()}");
    }

    private static bool Bool(JsonElement format, string name, string path) =>
        !format.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? false
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw new GrammarException($"{path}.{name} must be true or false, got {value.GetRawText()}");

    private static IReadOnlyList<JsonElement> Array(JsonElement format, string name, string path)
    {
        var value = Required(format, name, path);
        return value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray()] : throw new GrammarException($"{path}.{name} must be an array, got {Kind(value)}");
    }

    private static IReadOnlyList<string> Strings(JsonElement value, string path) => value.ValueKind == JsonValueKind.Array
        ? [.. value.EnumerateArray().Select((s, i) => s.ValueKind == JsonValueKind.String ? s.GetString()! : throw new GrammarException($"{path}[{i}] must be a string, got {Kind(s)}"))]
        : throw new GrammarException($"{path} must be an array of strings, got {Kind(value)}");

    private static IReadOnlyList<string> OptionalStrings(JsonElement format, string name, string path)
    {
        if (!format.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        var strings = Strings(value, $"{path}.{name}");
        for (int i = 0; i < strings.Count; i++)
        {
            if (strings[i].Length == 0)
            {
                throw new GrammarException($"{path}.{name}[{i}] is empty");
            }
        }
        return strings;
    }

    /// <summary>A JSON schema object, or a string holding one (as vLLM's other schema fields take it); minified.</summary>
    private static string Schema(JsonElement schema, string path)
    {
        if (schema.ValueKind == JsonValueKind.String)
        {
            using var document = Parse(schema.GetString()!, path);
            return Schema(document.RootElement, path);
        }
        return schema.ValueKind is JsonValueKind.Object or JsonValueKind.True
            ? JsonSerializer.Serialize(schema)
            : throw new GrammarException($"{path} must be a JSON schema object, got {Kind(schema)}");
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
