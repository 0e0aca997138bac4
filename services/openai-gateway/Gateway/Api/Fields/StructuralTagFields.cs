using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Json;

namespace Gateway.Api.Fields;

/// <summary>
/// xgrammar's structural tag as vLLM takes it: <c>response_format: {type: structural_tag, structures: [{begin, schema,
/// end}], triggers}</c> or, in xgrammar's newer form, <c>{type: structural_tag, format: {...}}</c>; or either object as
/// a JSON string in <c>structured_outputs.structural_tag</c> (and vLLM's older top-level <c>structural_tag</c>). A
/// malformed one is a 400 naming the request field, its path in the message; what the grammar engine refuses (a begin
/// that starts with no trigger, a format it does not know, ...) is checked where every spec is.
/// </summary>
internal static class StructuralTagFields
{
    /// <summary>The tag of a JSON string (<c>structured_outputs.structural_tag</c>, <c>structural_tag</c>), in either form.</summary>
    public static StructuredOutput FromJsonString(JsonElement value, string field, string path)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw WrongType(field, path, "a JSON string of {structures, triggers}", value);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(value.GetString()!);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"{path} is not valid JSON: {e.Message}", field);
        }

        using (document)
        {
            var tag = document.RootElement;
            if (tag.ValueKind != JsonValueKind.Object)
            {
                throw WrongType(field, path, "a JSON string of {structures, triggers}", tag);
            }

            if (tag.TryGetProperty("type", out var type) && !(type.ValueKind == JsonValueKind.String && type.ValueEquals("structural_tag")))
            {
                throw ApiException.BadRequest($"{path}.type must be \"structural_tag\" when given.", field);
            }

            return FromObject(tag, field, path);
        }
    }

    /// <summary>
    /// The tag of an object (<c>response_format</c>'s own, or the JSON string's): xgrammar's newer form, a
    /// <c>format</c> object the grammar engine reads and checks, or the older one, structures and triggers.
    /// </summary>
    public static StructuredOutput FromObject(JsonElement tag, string field, string path)
    {
        if (tag.TryGetProperty("format", out var format))
        {
            foreach (var older in new[] { "structures", "triggers" })
            {
                if (tag.TryGetProperty(older, out _))
                {
                    throw ApiException.BadRequest(
                        $"{path} holds both format (xgrammar's newer structural tag) and {older} (the older one); send one form.", field);
                }
            }

            return format.ValueKind == JsonValueKind.Object
                ? new StructuredOutput.StructuralTagFormat(format.GetRawText())
                : throw WrongType(field, $"{path}.format", "a format object {type, ...}", format);
        }

        var triggers = Required(tag, "triggers", field, path);
        var structures = Required(tag, "structures", field, path);
        if (structures.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(field, $"{path}.structures", "an array of {begin, schema, end} objects", structures);
        }

        return new StructuredOutput.StructuralTag(
            Strings(triggers, field, $"{path}.triggers"),
            [.. structures.EnumerateArray().Select((s, i) => Structure(s, field, $"{path}.structures[{i}]"))]);
    }

    private static StructuredOutput.TagStructure Structure(JsonElement structure, string field, string path)
    {
        if (structure.ValueKind != JsonValueKind.Object)
        {
            throw WrongType(field, path, "an object {begin, schema, end}", structure);
        }

        return new StructuredOutput.TagStructure(
            String(Required(structure, "begin", field, path), field, $"{path}.begin"),
            Schema(Required(structure, "schema", field, path), field, $"{path}.schema"),
            String(Required(structure, "end", field, path), field, $"{path}.end"));
    }

    /// <summary>A JSON schema object, or a string holding one (as vLLM's other schema fields take it).</summary>
    private static string Schema(JsonElement schema, string field, string path)
    {
        if (schema.ValueKind == JsonValueKind.Object)
        {
            return schema.GetRawText();
        }

        if (schema.ValueKind == JsonValueKind.String)
        {
            try
            {
                using var document = JsonDocument.Parse(schema.GetString()!);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    return schema.GetString()!;
                }
            }
            catch (JsonException)
            {
            }
        }

        throw ApiException.BadRequest($"{path} must be a JSON schema: an object, or a string holding one.", field);
    }

    private static JsonElement Required(JsonElement parent, string name, string field, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw ApiException.BadRequest($"{path}.{name} is required.", field);

    private static string String(JsonElement value, string field, string path) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw WrongType(field, path, "a string", value);

    private static string[] Strings(JsonElement value, string field, string path) => value.ValueKind == JsonValueKind.Array
        ? [.. value.EnumerateArray().Select((item, i) => String(item, field, $"{path}[{i}]"))]
        : throw WrongType(field, path, "an array of strings", value);

    private static ApiException WrongType(string field, string path, string expected, JsonElement value) =>
        ApiException.BadRequest($"{path} must be {expected}, got {RequestBody.Describe(value.ValueKind)}.", field);
}
