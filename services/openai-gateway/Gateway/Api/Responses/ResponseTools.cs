using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Api.Errors;
using Gateway.Api.Json;

namespace Gateway.Api.Responses;

/// <summary>
/// The Responses API's tools, tool_choice and text.format in chat's form: function tools are flat there
/// (<c>{type: function, name, parameters}</c>) and nested in chat (<c>{type: function, function: {name, parameters}}</c>);
/// a named tool_choice is <c>{type: function, name}</c>; text.format is response_format with the schema's fields
/// beside its type. Hosted tool types have nothing to run them here and are a 400 naming the tool.
/// </summary>
public static class ResponseTools
{
    private const string ToolsField = "tools";
    private const string ToolChoiceField = "tool_choice";

    /// <summary>tools and tool_choice as chat takes them (null when absent).</summary>
    public static (JsonArray? ChatTools, JsonNode? ChatToolChoice) Read(RequestFields fields)
    {
        JsonArray? tools = null;
        if (fields.Array(ToolsField, "an array of tools") is { } offered)
        {
            tools = [];
            var index = 0;
            foreach (var tool in offered.EnumerateArray())
            {
                tools.Add(ChatTool(tool, $"tools[{index++}]"));
            }
        }

        return (tools, ChatToolChoice(fields.Raw(ToolChoiceField)));
    }

    /// <summary>text.format as chat's response_format, or null.</summary>
    public static JsonObject? ChatResponseFormat(RequestFields fields)
    {
        if (fields.Object("text")?.Object("format") is not { } format)
        {
            return null;
        }

        var type = format.String("type");
        if (type != "json_schema")
        {
            return new JsonObject { ["type"] = type };
        }

        var schema = format.Raw("schema") ?? throw ApiException.BadRequest("text.format.schema is required when type is json_schema.", "text");
        var spec = new JsonObject
        {
            ["name"] = format.String("name") ?? "response",
            ["schema"] = JsonNode.Parse(schema.GetRawText()),
        };
        if (format.Bool("strict") is { } strict)
        {
            spec["strict"] = strict;
        }

        return new JsonObject { ["type"] = "json_schema", ["json_schema"] = spec };
    }

    private static JsonObject ChatTool(JsonElement tool, string path)
    {
        if (tool.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest($"{path} must be an object, got {RequestBody.Describe(tool.ValueKind)}.", ToolsField);
        }

        var type = tool.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type != "function")
        {
            throw ApiException.BadRequest(
                type is null
                    ? $"{path}.type is required (\"function\")."
                    : $"{path}.type \"{type}\" is not supported: only function tools are served (there is no built-in tool to run it).",
                ToolsField);
        }

        if (!tool.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
        {
            throw ApiException.BadRequest($"{path}.name is required and must be a string.", ToolsField);
        }

        var function = new JsonObject { ["name"] = name.GetString() };
        foreach (var key in new[] { "description", "parameters", "strict" })
        {
            if (tool.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                function[key] = JsonNode.Parse(value.GetRawText());
            }
        }

        return new JsonObject { ["type"] = "function", ["function"] = function };
    }

    private static JsonNode? ChatToolChoice(JsonElement? choice)
    {
        switch (choice)
        {
            case null:
                return null;
            case { ValueKind: JsonValueKind.String } value:
                return JsonValue.Create(value.GetString());
            case { ValueKind: JsonValueKind.Object } value:
                var type = value.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                if (type != "function")
                {
                    throw ApiException.BadRequest(
                        $"tool_choice {(type is null ? "needs a type" : $"of type \"{type}\" is not supported")}: send \"none\", \"auto\", \"required\" or {{\"type\": \"function\", \"name\": ...}}.",
                        ToolChoiceField);
                }

                if (!value.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                {
                    throw ApiException.BadRequest("tool_choice.name is required for a function tool_choice.", ToolChoiceField);
                }

                return new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = name.GetString() } };
            case { } other:
                throw RequestFields.WrongType(ToolChoiceField, "\"none\", \"auto\", \"required\" or a function object", other);
        }
    }
}
