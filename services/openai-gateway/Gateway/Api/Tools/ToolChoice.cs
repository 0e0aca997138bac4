using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Api.Errors;
using Gateway.Api.Json;
using Inference.Grammar;

namespace Gateway.Api.Tools;

/// <summary>
/// What <c>tool_choice</c> (with <c>tools</c> and <c>parallel_tool_calls</c>) asks of an answer, as vLLM serves it:
/// "none" leaves the text alone; "auto" parses the model's own Hermes-style calls; "required" and a named function
/// force calls by constraining the output with a JSON schema built from the offered tools (required: an array of
/// {"name", "parameters"} objects, one per call; named: the function's arguments object itself).
/// </summary>
internal static class ToolChoice
{
    private const string ToolChoiceField = "tool_choice";
    private const string ToolsField = "tools";

    /// <summary>How to read tool calls out of answers (null: they are plain text) and the constraint forced calls need.</summary>
    public static (ToolCallExtraction? Extraction, StructuredOutput? Constraint) Read(RequestFields fields)
    {
        var tools = Tools(fields);
        bool parallel = fields.Bool("parallel_tool_calls") ?? true;
        var choice = fields.Raw(ToolChoiceField);
        if (choice is { ValueKind: JsonValueKind.Object })
        {
            var name = NamedFunction(fields.Object(ToolChoiceField)!);
            var tool = tools.FirstOrDefault(t => t.Name == name)
                ?? throw ApiException.BadRequest(
                    $"tool_choice names the function \"{name}\", which is not among the tools offered.", ToolChoiceField);
            return (new ToolCallExtraction.Named(name), Validated(new StructuredOutput.JsonSchema(tool.Parameters.ToJsonString())));
        }

        if (choice is { ValueKind: not (JsonValueKind.String or JsonValueKind.Null) } other)
        {
            throw RequestFields.WrongType(ToolChoiceField, "\"none\", \"auto\", \"required\" or a named function object", other);
        }

        switch (fields.String(ToolChoiceField))
        {
            case "none":
                return (null, null);
            case "required":
                if (tools.Count == 0)
                {
                    throw ApiException.BadRequest("tool_choice \"required\" needs at least one tool in tools.", ToolChoiceField);
                }

                return (new ToolCallExtraction.Required(parallel ? int.MaxValue : 1), Validated(RequiredSchema(tools, parallel)));
            case "auto" or null:
                return (tools.Count > 0 ? new ToolCallExtraction.Hermes(parallel ? int.MaxValue : 1) : null, null);
            case var value:
                throw ApiException.BadRequest($"tool_choice must be one of none, auto, required or a named function object, got \"{value}\".", ToolChoiceField);
        }
    }

    /// <summary>
    /// An array of at least one call (at most one when parallel_tool_calls is false); each call is one of the tools:
    /// its name as a constant and its parameters schema (an empty object when the function declares none).
    /// </summary>
    private static StructuredOutput.JsonSchema RequiredSchema(IReadOnlyList<OfferedTool> tools, bool parallel)
    {
        var calls = new JsonArray();
        foreach (var tool in tools)
        {
            calls.Add(new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["name"] = new JsonObject { ["const"] = tool.Name },
                    ["parameters"] = tool.Parameters.DeepClone(),
                },
                ["required"] = new JsonArray("name", "parameters"),
            });
        }

        var schema = new JsonObject
        {
            ["type"] = "array",
            ["minItems"] = 1,
            ["items"] = new JsonObject { ["anyOf"] = calls },
        };
        if (!parallel)
        {
            schema["maxItems"] = 1;
        }

        return new StructuredOutput.JsonSchema(schema.ToJsonString());
    }

    /// <summary>A tool's parameters schema the grammar cannot serve is a 400 naming tools, before anything runs.</summary>
    private static StructuredOutput Validated(StructuredOutput constraint)
    {
        try
        {
            StructuredOutputSpecs.Validate(constraint, ToolsField);
        }
        catch (GenerationValidationException e)
        {
            throw ApiException.BadRequest(e.Message, ToolsField);
        }

        return constraint;
    }

    private static string NamedFunction(RequestFields choice)
    {
        if (choice.String("type") is { } type && type != "function")
        {
            throw ApiException.BadRequest($"tool_choice.type must be \"function\", got \"{type}\".", ToolChoiceField);
        }

        return choice.Object("function")?.String("name")
            ?? throw ApiException.BadRequest(
                "tool_choice must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}.", ToolChoiceField);
    }

    /// <summary>The offered functions: each tools item is {"type": "function", "function": {"name", "parameters"?}}.</summary>
    private static List<OfferedTool> Tools(RequestFields fields)
    {
        var offered = new List<OfferedTool>();
        if (fields.Array(ToolsField, "an array of tool definitions") is not { } tools)
        {
            return offered;
        }

        foreach (var item in tools.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw ApiException.BadRequest(
                    "each item of tools must be {\"type\": \"function\", \"function\": {\"name\": ..., \"parameters\": ...}}.", ToolsField);
            }

            var parameters = function.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object
                ? JsonNode.Parse(p.GetRawText())!
                : new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };
            offered.Add(new OfferedTool(name.GetString()!, parameters));
        }

        return offered;
    }

    private sealed record OfferedTool(string Name, JsonNode Parameters);
}
