using System.Text.Json;
using Inference.Gguf;

namespace Inference.Cli.Gguf;

/// <summary>
/// The tokenizer.* keys of a byte-level BPE tokenizer (tokenizer.json, tokenizer_config.json, chat_template.jinja), as
/// convert_hf_to_gguf.py's gpt2 vocabulary and gguf-py's SpecialVocab write them: one token per id up to the model's
/// vocab_size (ids the tokenizer lacks become "[PAD&lt;id&gt;]", unused), token types, merges "a b", the special ids
/// (tokenizer_config.json's *_token looked up among the added tokens, else config.json's *_token_id), add_bos_token
/// and the chat template.
/// </summary>
public static class GgufTokenizerMetadata
{
    /// <summary>Pre-tokenizer regexes llama.cpp knows, by its name for them (tokenizer.ggml.pre).</summary>
    private static readonly Dictionary<string, string> PreTokenizers = new(StringComparer.Ordinal)
    {
        [@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"] = "qwen2",
        [@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"] = "llama-bpe",
    };

    /// <exception cref="FileNotFoundException">tokenizer.json is missing.</exception>
    /// <exception cref="InvalidDataException">The tokenizer is not byte-level BPE, its pre-tokenizer is unknown, or an id is past vocab_size.</exception>
    public static void Add(GgufMetadata metadata, string directory, HfModelConfig config)
    {
        string path = Path.Combine(directory, "tokenizer.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"tokenizer.json not found in model folder {directory}.", path);
        }

        using var tokenizer = JsonDocument.Parse(File.ReadAllBytes(path));
        using var tokenizerConfig = ReadOptional(Path.Combine(directory, "tokenizer_config.json"));
        var model = tokenizer.RootElement.GetProperty("model");
        if (model.GetProperty("type").GetString() != "BPE")
        {
            throw new InvalidDataException($"{path}: model type '{model.GetProperty("type").GetString()}'; the GGUF writer takes byte-level BPE tokenizers.");
        }

        var added = tokenizer.RootElement.TryGetProperty("added_tokens", out var a) ? a.EnumerateArray().ToList() : [];
        var (tokens, types) = TokensAndTypes(path, model.GetProperty("vocab"), added, config.VocabSize);
        metadata[GgufKeys.TokenizerModel] = GgufValue.String("gpt2");
        metadata[GgufKeys.TokenizerPre] = GgufValue.String(PreTokenizer(path, tokenizer.RootElement));
        metadata[GgufKeys.Tokens] = GgufValue.Strings(tokens);
        metadata[GgufKeys.TokenTypes] = GgufValue.Int32s(types);
        metadata[GgufKeys.Merges] = GgufValue.Strings(Merges(model.GetProperty("merges")));

        var settings = tokenizerConfig?.RootElement;
        AddSpecialId(metadata, GgufKeys.BosTokenId, SpecialId(settings, added, "bos_token") ?? config.BosTokenId);
        AddSpecialId(metadata, GgufKeys.EosTokenId, SpecialId(settings, added, "eos_token") ?? config.EosTokenId);
        AddSpecialId(metadata, GgufKeys.UnknownTokenId, SpecialId(settings, added, "unk_token"));
        AddSpecialId(metadata, GgufKeys.PaddingTokenId, SpecialId(settings, added, "pad_token"));

        // Qwen's tokenizers say add_bos_token false; a tokenizer that says nothing gets the same (llama.cpp's BPE default would add one).
        metadata[GgufKeys.AddBosToken] = GgufValue.Bool(Bool(settings, "add_bos_token") ?? false);
        if (Bool(settings, "add_eos_token") is { } addEos)
        {
            metadata[GgufKeys.AddEosToken] = GgufValue.Bool(addEos);
        }

        if (ChatTemplate(directory, settings) is { Length: > 0 } template)
        {
            metadata[GgufKeys.ChatTemplate] = GgufValue.String(template);
        }
    }

    private static (string[] Tokens, int[] Types) TokensAndTypes(string path, JsonElement vocab, List<JsonElement> added, int vocabSize)
    {
        var tokens = new string?[vocabSize];
        var types = new int[vocabSize];
        foreach (var entry in vocab.EnumerateObject())
        {
            Place(entry.Value.GetInt32(), entry.Name, GgufTokenType.Normal);
        }

        foreach (var token in added)
        {
            string content = token.GetProperty("content").GetString() ?? "";
            bool special = token.TryGetProperty("special", out var s) && s.GetBoolean();
            Place(token.GetProperty("id").GetInt32(), content, special || LooksSpecial(content) ? GgufTokenType.Control : GgufTokenType.UserDefined);
        }

        for (int id = 0; id < vocabSize; id++)
        {
            if (tokens[id] is null)
            {
                tokens[id] = $"[PAD{id}]";
                types[id] = (int)GgufTokenType.Unused;
            }
        }

        return (tokens.Select(t => t!).ToArray(), types);

        void Place(int id, string text, GgufTokenType type)
        {
            if ((uint)id >= (uint)vocabSize)
            {
                throw new InvalidDataException($"{path}: token '{text}' has id {id}, outside config.json's vocab_size {vocabSize}.");
            }

            tokens[id] = text;
            types[id] = (int)type;
        }
    }

    /// <summary>Added tokens some tokenizers forget to mark special (gguf-py's does_token_look_special).</summary>
    private static bool LooksSpecial(string token) =>
        (token.StartsWith("<|", StringComparison.Ordinal) && token.EndsWith("|>", StringComparison.Ordinal))
        || token is "<pad>" or "<mask>";

    private static string PreTokenizer(string path, JsonElement tokenizer)
    {
        var regexes = new List<string>();
        Collect(tokenizer.TryGetProperty("pre_tokenizer", out var pre) ? pre : default);
        foreach (string regex in regexes)
        {
            if (PreTokenizers.TryGetValue(regex, out var name))
            {
                return name;
            }
        }

        throw new InvalidDataException(
            $"{path}: pre-tokenizer split {(regexes.Count == 0 ? "(none)" : string.Join(" | ", regexes))} is not one llama.cpp names here (qwen2, llama-bpe).");

        void Collect(JsonElement element)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            if (element.TryGetProperty("pattern", out var pattern) && pattern.TryGetProperty("Regex", out var regex) && regex.GetString() is { } text)
            {
                regexes.Add(text);
            }

            if (element.TryGetProperty("pretokenizers", out var children))
            {
                foreach (var child in children.EnumerateArray())
                {
                    Collect(child);
                }
            }
        }
    }

    /// <summary>"a b" per merge, whether tokenizer.json stores strings or [a, b] pairs.</summary>
    private static string[] Merges(JsonElement merges) => merges.EnumerateArray()
        .Select(m => m.ValueKind == JsonValueKind.Array ? $"{m[0].GetString()} {m[1].GetString()}" : m.GetString() ?? "")
        .ToArray();

    private static int? SpecialId(JsonElement? settings, List<JsonElement> added, string name)
    {
        if (settings is not { } s || !s.TryGetProperty(name, out var entry))
        {
            return null;
        }

        string? content = entry.ValueKind switch
        {
            JsonValueKind.String => entry.GetString(),
            JsonValueKind.Object when entry.TryGetProperty("content", out var c) => c.GetString(),
            _ => null,
        };
        return content is null ? null : added.Where(t => t.GetProperty("content").GetString() == content)
            .Select(t => (int?)t.GetProperty("id").GetInt32()).FirstOrDefault();
    }

    private static void AddSpecialId(GgufMetadata metadata, string key, int? id)
    {
        if (id is { } value && value >= 0)
        {
            metadata[key] = GgufValue.UInt32((uint)value);
        }
    }

    private static bool? Bool(JsonElement? settings, string name) =>
        settings is { } s && s.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : null;

    /// <summary>chat_template.jinja when the folder has one, else tokenizer_config.json's chat_template (a string, or the "default" of a named list).</summary>
    private static string? ChatTemplate(string directory, JsonElement? settings)
    {
        string file = Path.Combine(directory, "chat_template.jinja");
        if (File.Exists(file))
        {
            return File.ReadAllText(file);
        }

        if (settings is not { } s || !s.TryGetProperty("chat_template", out var template))
        {
            return null;
        }

        return template.ValueKind switch
        {
            JsonValueKind.String => template.GetString(),
            JsonValueKind.Array => template.EnumerateArray()
                .Where(t => t.TryGetProperty("name", out var n) && n.GetString() == "default")
                .Select(t => t.GetProperty("template").GetString()).FirstOrDefault(),
            _ => null,
        };
    }

    private static JsonDocument? ReadOptional(string path) => File.Exists(path) ? JsonDocument.Parse(File.ReadAllBytes(path)) : null;
}
