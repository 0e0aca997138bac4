using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gateway.Api.Tools;

/// <summary>A function call the model wrote.</summary>
/// <param name="Name">The function's name.</param>
/// <param name="ArgumentsJson">The arguments as JSON text, kept as the model wrote them.</param>
public sealed record ParsedToolCall(string Name, string ArgumentsJson);

/// <summary>The model's answer split into plain content and tool calls.</summary>
/// <param name="Content">Text before the first call, or null when there is none.</param>
/// <param name="Calls">The calls, in order; empty when the text holds none (or holds one that does not parse).</param>
public sealed record ToolCallParseResult(string? Content, IReadOnlyList<ParsedToolCall> Calls);

/// <summary>
/// Hermes-style tool calls as Qwen writes them: <c>&lt;tool_call&gt;{"name": ..., "arguments": {...}}&lt;/tool_call&gt;</c>.
/// Like vLLM's Hermes parser, a last block cut off by max_tokens still counts when its JSON is whole, and text that
/// does not parse is returned unchanged as content rather than lost.
/// </summary>
public static partial class ToolCallParser
{
    public const string OpenTag = "<tool_call>";
    public const string CloseTag = "</tool_call>";

    public static ToolCallParseResult Parse(string text)
    {
        var first = text.IndexOf(OpenTag, StringComparison.Ordinal);
        if (first < 0)
        {
            return new ToolCallParseResult(text, []);
        }

        var calls = new List<ParsedToolCall>();
        foreach (Match match in ToolCallBlock().Matches(text, first))
        {
            var body = match.Groups["closed"].Success ? match.Groups["closed"].Value : match.Groups["open"].Value;
            if (TryParseCall(body, out var call))
            {
                calls.Add(call);
            }
            else
            {
                return new ToolCallParseResult(text, []);
            }
        }

        var content = text[..first];
        return new ToolCallParseResult(string.IsNullOrWhiteSpace(content) ? null : content, calls);
    }

    /// <summary>
    /// The answer to tool_choice "required": a JSON array of {"name", "parameters"} objects (the grammar made it so,
    /// unless max_tokens cut it short: then nothing parses here, and <see cref="ToolCallStreamFilter"/> keeps the calls
    /// it read before the cut, or the text as content when it read none).
    /// </summary>
    public static ToolCallParseResult ParseArray(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return new ToolCallParseResult(text, []);
            }

            var calls = new List<ParsedToolCall>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (!TryReadCall(item, out var call))
                {
                    return new ToolCallParseResult(text, []);
                }

                calls.Add(call);
            }

            return new ToolCallParseResult(null, calls);
        }
        catch (JsonException)
        {
            return new ToolCallParseResult(text, []);
        }
    }

    private static bool TryParseCall(string body, out ParsedToolCall call)
    {
        call = null!;
        try
        {
            using var document = JsonDocument.Parse(body);
            return TryReadCall(document.RootElement, out call);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool TryReadCall(JsonElement root, out ParsedToolCall call)
    {
        call = null!;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("name", out var name)
            || name.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        // Some models say "parameters" instead of "arguments" (and tool_choice "required" asks for it); a string is
        // already JSON text.
        var arguments = root.TryGetProperty("arguments", out var args) || root.TryGetProperty("parameters", out args)
            ? args.ValueKind == JsonValueKind.String ? args.GetString()! : args.GetRawText()
            : "{}";
        call = new ParsedToolCall(name.GetString()!, arguments);
        return true;
    }

    [GeneratedRegex(@"<tool_call>(?<closed>.*?)</tool_call>|<tool_call>(?<open>.*)", RegexOptions.Singleline)]
    private static partial Regex ToolCallBlock();
}
