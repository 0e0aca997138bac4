using System.Text.Json;

namespace Worker.Runtime.Sampling;

/// <summary>
/// The ids of the tokens that open and close a reasoning block, where the vocabulary has <c>&lt;think&gt;</c> and
/// <c>&lt;/think&gt;</c> as tokens of their own (Qwen3, DeepSeek-R1, QwQ; Qwen2.5 has neither). A structured output
/// that starts after the reasoning (<see cref="Inference.Abstractions.Generation.StructuredOutput.AfterReasoning"/>)
/// waits for <see cref="Close"/>, as vLLM's reasoning parsers key on those ids.
/// </summary>
public sealed record ReasoningTokens(int Open, int Close)
{
    public const string OpenText = "<think>";
    public const string CloseText = "</think>";

    /// <summary>From the tokens' texts by id; null unless both tags are tokens.</summary>
    public static ReasoningTokens? Find(IEnumerable<(int Id, string Text)> tokens)
    {
        int? open = null, close = null;
        foreach (var (id, text) in tokens)
        {
            if (text == OpenText)
            {
                open ??= id;
            }
            else if (text == CloseText)
            {
                close ??= id;
            }
        }

        return open is { } o && close is { } c ? new ReasoningTokens(o, c) : null;
    }

    /// <summary>From a tokenizer.json's added tokens (where Qwen3's tags are); null without the file or the tags.</summary>
    public static ReasoningTokens? FromTokenizerJson(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        if (!document.RootElement.TryGetProperty("added_tokens", out var added) || added.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return Find(added.EnumerateArray()
            .Where(t => t.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && t.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
            .Select(t => (t.GetProperty("id").GetInt32(), t.GetProperty("content").GetString()!)));
    }

    /// <summary>
    /// Whether the block is closed after these tokens: the later of the two tags among them is the close tag (a prompt
    /// that ends with Qwen3's empty block, thinking off). With neither, or an open block, the reasoning is still to come.
    /// </summary>
    public bool ClosedAfter(IReadOnlyList<int> tokens)
    {
        for (int i = tokens.Count - 1; i >= 0; i--)
        {
            if (tokens[i] == Close)
            {
                return true;
            }

            if (tokens[i] == Open)
            {
                return false;
            }
        }

        return false;
    }
}
