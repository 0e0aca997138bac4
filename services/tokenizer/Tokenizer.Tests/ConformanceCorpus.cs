using System.Text.Json;

namespace Tokenizer.Tests;

/// <summary>fixtures/tokenizer/qwen3-conformance.json: strings with Hugging Face's ids and decoded text.</summary>
internal static class ConformanceCorpus
{
    private static readonly Lazy<IReadOnlyList<ConformanceEntry>> s_entries = new(Load);

    public static IReadOnlyList<ConformanceEntry> Entries => s_entries.Value;

    private static IReadOnlyList<ConformanceEntry> Load()
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(Fixtures.ConformancePath));
        var entries = new List<ConformanceEntry>();
        foreach (JsonElement e in document.RootElement.GetProperty("entries").EnumerateArray())
        {
            // Strings with lone surrogates are given as UTF-16 code units: JSON readers reject them as text.
            string text = e.TryGetProperty("utf16", out JsonElement units)
                ? new string(units.EnumerateArray().Select(u => (char)u.GetInt32()).ToArray())
                : e.GetProperty("text").GetString()!;
            entries.Add(new ConformanceEntry(
                e.GetProperty("i").GetInt32(),
                e.GetProperty("cat").GetString()!,
                text,
                e.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                e.GetProperty("decoded").GetString()!,
                e.TryGetProperty("decoded_skip_special", out JsonElement skip) ? skip.GetString() : null,
                e.GetProperty("tokens").EnumerateArray().Select(x => x.GetString()!).ToArray()));
        }
        return entries;
    }
}

/// <param name="Tokens">Hugging Face's convert_ids_to_tokens of the ids.</param>
internal sealed record ConformanceEntry(int Index, string Category, string Text, int[] Ids, string Decoded, string? DecodedSkipSpecial, string[] Tokens);
