using System.Text.Json;

namespace Gateway.Tests.Hosting;

/// <summary>Reads streamed chat completion chunks.</summary>
public static class ChatChunks
{
    /// <summary>The first choice's content deltas, concatenated.</summary>
    public static string ContentOf(IReadOnlyList<JsonElement> chunks) => string.Concat(Deltas(chunks)
        .Select(d => d.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString() : ""));

    /// <summary>The first choice's tool call deltas, in order.</summary>
    public static List<JsonElement> ToolCallDeltas(IReadOnlyList<JsonElement> chunks) =>
        [.. Deltas(chunks)
            .Where(d => d.TryGetProperty("tool_calls", out _))
            .SelectMany(d => d.GetProperty("tool_calls").EnumerateArray())];

    private static IEnumerable<JsonElement> Deltas(IReadOnlyList<JsonElement> chunks) => chunks
        .Where(c => c.GetProperty("choices").GetArrayLength() > 0)
        .Select(c => c.GetProperty("choices")[0].GetProperty("delta"));
}
