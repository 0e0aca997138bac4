using System.Text.RegularExpressions;

namespace Gateway.Api.Tools;

/// <summary>How an answer spells its tool calls, for parsing it whole and while it streams.</summary>
/// <param name="OpenTag">The tag each call follows, or null when the whole answer is calls.</param>
/// <param name="ArgumentsKey">The key whose value is a call's arguments object, with what follows it up to the value.</param>
/// <param name="Parse">Splits a whole answer into content and calls.</param>
public sealed partial record ToolCallSyntax(string? OpenTag, Regex ArgumentsKey, Func<string, ToolCallParseResult> Parse)
{
    /// <summary>Qwen's Hermes-style <c>&lt;tool_call&gt;{"name": ..., "arguments": {...}}&lt;/tool_call&gt;</c> blocks after any text.</summary>
    public static ToolCallSyntax Hermes { get; } = new(ToolCallParser.OpenTag, HermesArgumentsKey(), ToolCallParser.Parse);

    /// <summary>tool_choice "required": <c>[{"name": ..., "parameters": {...}}, ...]</c> and nothing else.</summary>
    public static ToolCallSyntax RequiredArray { get; } = new(null, ArrayParametersKey(), ToolCallParser.ParseArray);

    /// <summary>A call's <c>"name": "..."</c> member.</summary>
    public static Regex NameField { get; } = NameMember();

    [GeneratedRegex("\"name\"\\s*:\\s*\"(?<name>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex NameMember();

    [GeneratedRegex("\"arguments\"\\s*:\\s*")]
    private static partial Regex HermesArgumentsKey();

    [GeneratedRegex("\"parameters\"\\s*:\\s*")]
    private static partial Regex ArrayParametersKey();
}
