using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Json;
using Inference.Grammar;

namespace Gateway.Api.Fields;

/// <summary>
/// Structured output from the request: OpenAI's <c>response_format</c> (json_object, json_schema, and vLLM's
/// structural_tag), vLLM's <c>guided_json</c>, <c>guided_regex</c>, <c>guided_grammar</c>, <c>guided_choice</c>,
/// <c>structural_tag</c> and <c>structured_outputs</c> {json, regex, grammar, choice, json_object, structural_tag}.
/// At most one may be set. The spec is checked here without the vocabulary, so an
/// unsupported keyword or regex feature is a 400 naming the field the client sent before anything runs.
/// </summary>
internal static class StructuredOutputFields
{
    public const string ResponseFormat = "response_format";
    public const string StructuredOutputs = "structured_outputs";

    /// <summary>vLLM's older top-level spelling of <c>structured_outputs.structural_tag</c> (a JSON string).</summary>
    public const string StructuralTag = "structural_tag";

    /// <summary>The request's structured output, or null (also for response_format type text).</summary>
    /// <param name="fields">The request.</param>
    /// <param name="toolsConstrain">tool_choice required or a named function will constrain the output to JSON
    /// itself, so a guided_whitespace_pattern with no other structured output is for that JSON (see
    /// <see cref="WithWhitespacePattern"/>), not a 400.</param>
    public static StructuredOutput? Read(RequestFields fields, bool toolsConstrain = false)
    {
        var found = new List<(string Field, StructuredOutput Output)>();
        Add(found, ResponseFormat, FromResponseFormat(fields));
        Add(found, "guided_json", fields.Raw("guided_json") is { } json ? JsonSchemaOf("guided_json", json, strict: true) : null);
        Add(found, "guided_regex", fields.String("guided_regex") is { } regex ? new StructuredOutput.Regex(regex) : null);
        Add(found, "guided_grammar", fields.String("guided_grammar") is { } grammar ? new StructuredOutput.Grammar(grammar) : null);
        Add(found, "guided_choice", fields.Raw("guided_choice") is not null ? new StructuredOutput.Choice(Strings(fields, "guided_choice")) : null);
        Add(found, StructuralTag, fields.Raw(StructuralTag) is { } tag ? StructuralTagFields.FromJsonString(tag, StructuralTag, StructuralTag) : null);
        Add(found, StructuredOutputs, FromStructuredOutputs(fields));
        var whitespace = fields.String("guided_whitespace_pattern");
        if (found.Count == 0)
        {
            return whitespace is null || toolsConstrain
                ? null
                : throw ApiException.BadRequest(WhitespaceNeedsJson("none"), WhitespacePatternField);
        }

        if (found.Count > 1)
        {
            throw ApiException.BadRequest(
                $"Only one kind of structured output may be set, got {string.Join(", ", found.Select(f => f.Field))}.", found[1].Field);
        }

        var (field, output) = found[0];

        try
        {
            StructuredOutputSpecs.Validate(output, field);
        }
        catch (GenerationValidationException e)
        {
            throw ApiException.BadRequest(e.Message, field);
        }

        if (whitespace is null)
        {
            return output;
        }

        if (output is not (StructuredOutput.JsonSchema or StructuredOutput.JsonObject))
        {
            throw ApiException.BadRequest(WhitespaceNeedsJson(field), WhitespacePatternField);
        }

        return Whitespaced(output, whitespace);
    }

    /// <summary>The JSON that forced tool calls constrain the output to, with the request's guided_whitespace_pattern (if any).</summary>
    public static StructuredOutput WithWhitespacePattern(RequestFields fields, StructuredOutput output) =>
        fields.String(WhitespacePatternField) is { } whitespace ? Whitespaced(output, whitespace) : output;

    private static StructuredOutput Whitespaced(StructuredOutput output, string whitespace)
    {
        try
        {
            // The pattern alone, as the regex it is: an unsupported feature is a 400 naming this field.
            StructuredOutputSpecs.Validate(new StructuredOutput.Regex(whitespace), WhitespacePatternField);
        }
        catch (GenerationValidationException e)
        {
            throw ApiException.BadRequest(e.Message, WhitespacePatternField);
        }

        return output with { WhitespacePattern = whitespace };
    }

    private const string WhitespacePatternField = "guided_whitespace_pattern";

    private static string WhitespaceNeedsJson(string given) =>
        $"guided_whitespace_pattern applies to JSON output (response_format json_schema or json_object, guided_json, structured_outputs json or json_object, or the calls tool_choice required or a named function forces); got {given}.";

    private static void Add(List<(string, StructuredOutput)> found, string field, StructuredOutput? output)
    {
        if (output is not null)
        {
            found.Add((field, output));
        }
    }

    /// <summary>{type: text} (none), {type: json_object}, {type: json_schema, json_schema: {name, schema, strict}},
    /// {type: structural_tag, structures, triggers}.</summary>
    private static StructuredOutput? FromResponseFormat(RequestFields fields)
    {
        if (fields.Object(ResponseFormat) is not { } format)
        {
            return null;
        }

        switch (format.String("type"))
        {
            case "json_object":
                return new StructuredOutput.JsonObject();
            case "json_schema":
                var spec = format.Object("json_schema")
                    ?? throw ApiException.BadRequest("response_format.json_schema is required when type is json_schema.", ResponseFormat);
                // vLLM serves every schema strictly (a missing additionalProperties means false); strict: false
                // asks for JSON Schema's own meaning (additional properties allowed).
                return spec.Raw("schema") is { } schema
                    ? JsonSchemaOf(ResponseFormat, schema, spec.Bool("strict") ?? true)
                    : new StructuredOutput.JsonObject();
            case "structural_tag":
                return StructuralTagFields.FromObject(format.Root, ResponseFormat, ResponseFormat);
            default:
                return null; // text; other types were refused by the field table
        }
    }

    /// <summary>vLLM's StructuredOutputsParams: one of json, regex, grammar, choice, json_object, structural_tag.</summary>
    private static StructuredOutput? FromStructuredOutputs(RequestFields fields)
    {
        if (fields.Object(StructuredOutputs) is not { } so)
        {
            return null;
        }

        var found = new List<(string, StructuredOutput)>();
        Add(found, "json", so.Raw("json") is { } json ? JsonSchemaOf(StructuredOutputs, json, strict: true) : null);
        Add(found, "regex", so.String("regex") is { } regex ? new StructuredOutput.Regex(regex) : null);
        Add(found, "grammar", so.String("grammar") is { } grammar ? new StructuredOutput.Grammar(grammar) : null);
        Add(found, "choice", so.Raw("choice") is not null ? new StructuredOutput.Choice(Strings(so, "choice")) : null);
        Add(found, "json_object", so.Bool("json_object") == true ? new StructuredOutput.JsonObject() : null);
        Add(found, StructuralTag, so.Raw(StructuralTag) is { } tag
            ? StructuralTagFields.FromJsonString(tag, StructuredOutputs, $"{StructuredOutputs}.{StructuralTag}")
            : null);
        return found.Count switch
        {
            0 => throw ApiException.BadRequest("structured_outputs needs one of json, regex, grammar, choice, json_object or structural_tag.", StructuredOutputs),
            1 => found[0].Item2,
            _ => throw ApiException.BadRequest("structured_outputs must set only one of json, regex, grammar, choice, json_object or structural_tag.", StructuredOutputs),
        };
    }

    /// <summary>A schema given as a JSON object, or as a string holding one (vLLM accepts both).</summary>
    private static StructuredOutput.JsonSchema JsonSchemaOf(string field, JsonElement value, bool strict) => value.ValueKind switch
    {
        JsonValueKind.Object or JsonValueKind.True => new StructuredOutput.JsonSchema(value.GetRawText(), strict),
        JsonValueKind.String => new StructuredOutput.JsonSchema(value.GetString()!, strict),
        _ => throw RequestFields.WrongType(field, "a JSON schema (an object or a string)", value),
    };

    private static string[] Strings(RequestFields fields, string name) =>
        [.. fields.Array(name, "an array of strings")!.Value.EnumerateArray()
            .Select(item => item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw RequestFields.WrongType(name, "an array of strings", item))];
}
