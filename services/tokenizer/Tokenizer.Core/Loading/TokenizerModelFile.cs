using System.Text.Json;
using Tokenizer.Core.Text;

namespace Tokenizer.Core.Loading;

/// <summary>
/// What tokenizer.json holds, read and checked against the configurations this library reproduces exactly:
/// byte-level BPE with the byte-level decoder, as the Qwen2 family (NFC, the Qwen2 split pattern, no ids added) and
/// the Llama 3 family (no normalizer, numbers split three digits at a time, ignore_merges, BOS added by a template
/// post-processor) spell it. Anything else is refused rather than tokenized slightly differently from Hugging Face.
/// </summary>
internal sealed class TokenizerModelFile
{
    public required Dictionary<string, int> Vocabulary { get; init; }
    /// <summary>Merges as "left right", highest priority first.</summary>
    public required List<string> Merges { get; init; }
    public required List<AddedToken> AddedTokens { get; init; }

    /// <summary>The normalizer is NFC (Qwen2); otherwise there is none (Llama 3).</summary>
    public required bool Nfc { get; init; }

    public required SplitPatternPreTokenizer PreTokenizer { get; init; }

    /// <summary>A pre-token found whole in the vocabulary is one id, whatever the merges say (Llama 3).</summary>
    public required bool IgnoreMerges { get; init; }

    /// <summary>Ids add_special_tokens puts before and after a single sequence (Llama 3: BOS before; Qwen2: none).</summary>
    public required (IReadOnlyList<int> Before, IReadOnlyList<int> After) SpecialTokensAround { get; init; }

    public static TokenizerModelFile Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new TokenizerLoadException($"tokenizer.json not found at '{path}'.");
        }
        using JsonDocument document = ParseJson(path);
        JsonElement root = document.RootElement;
        bool nfc = ReadNormalizer(root);
        var preTokenizer = ReadPreTokenizer(root);
        CheckDecoder(root);
        var around = ReadPostProcessor(root);
        JsonElement model = Require(root, "model", JsonValueKind.Object);
        CheckModel(model);
        return new TokenizerModelFile
        {
            Vocabulary = ReadVocabulary(model),
            Merges = ReadMerges(model),
            AddedTokens = ReadAddedTokens(root),
            Nfc = nfc,
            PreTokenizer = preTokenizer,
            IgnoreMerges = BoolOf(model, "ignore_merges"),
            SpecialTokensAround = around,
        };
    }

    private static JsonDocument ParseJson(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new TokenizerLoadException($"tokenizer.json at '{path}' is not valid JSON: {e.Message}", e);
        }
    }

    /// <returns>True for NFC, false for none.</returns>
    private static bool ReadNormalizer(JsonElement root)
    {
        if (!root.TryGetProperty("normalizer", out JsonElement normalizer) || normalizer.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        return TypeOf(normalizer) == "NFC" ? true : throw Unsupported("normalizer", root, "null or {\"type\": \"NFC\"}");
    }

    private static SplitPatternPreTokenizer ReadPreTokenizer(JsonElement root)
    {
        const string expected = "Sequence[Split(the Qwen2 or Llama 3 pattern, Isolated), ByteLevel(add_prefix_space=false, use_regex=false)]";
        if (!root.TryGetProperty("pre_tokenizer", out JsonElement pre) || TypeOf(pre) != "Sequence"
            || !pre.TryGetProperty("pretokenizers", out JsonElement steps) || steps.ValueKind != JsonValueKind.Array
            || steps.GetArrayLength() != 2)
        {
            throw Unsupported("pre_tokenizer", root, expected);
        }
        JsonElement split = steps[0];
        JsonElement byteLevel = steps[1];
        var pattern = TypeOf(split) == "Split" && split.TryGetProperty("pattern", out JsonElement p)
            && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("Regex", out JsonElement regex)
            ? SplitPatternPreTokenizer.ForPattern(regex.GetString())
            : null;
        bool splitMatches = pattern is not null && StringOf(split, "behavior") == "Isolated" && !BoolOf(split, "invert");
        bool byteLevelMatches = TypeOf(byteLevel) == "ByteLevel"
            && !BoolOf(byteLevel, "add_prefix_space") && !BoolOf(byteLevel, "use_regex");
        if (!splitMatches || !byteLevelMatches)
        {
            throw Unsupported("pre_tokenizer", root, expected);
        }

        return pattern!;
    }

    private static void CheckDecoder(JsonElement root)
    {
        if (!root.TryGetProperty("decoder", out JsonElement decoder) || TypeOf(decoder) != "ByteLevel")
        {
            throw Unsupported("decoder", root, "{\"type\": \"ByteLevel\"}");
        }
    }

    /// <summary>
    /// The ids add_special_tokens adds: none for no post-processor or a ByteLevel one (it adds no ids); for a
    /// TemplateProcessing (alone or after a ByteLevel one in a Sequence) its single-sequence template, special
    /// tokens around the one sequence "A" (Llama 3: BOS before it).
    /// </summary>
    private static (IReadOnlyList<int> Before, IReadOnlyList<int> After) ReadPostProcessor(JsonElement root)
    {
        const string expected = "null, ByteLevel, TemplateProcessing or Sequence[ByteLevel, TemplateProcessing] whose single template is special tokens around sequence A";
        if (!root.TryGetProperty("post_processor", out JsonElement post) || post.ValueKind == JsonValueKind.Null || TypeOf(post) == "ByteLevel")
        {
            return ([], []);
        }

        var template = post;
        if (TypeOf(post) == "Sequence")
        {
            var processors = post.TryGetProperty("processors", out JsonElement list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Where(p => TypeOf(p) != "ByteLevel").ToArray()
                : [];
            template = processors.Length == 1 ? processors[0] : default;
        }

        if (TypeOf(template) != "TemplateProcessing"
            || !template.TryGetProperty("single", out JsonElement single) || single.ValueKind != JsonValueKind.Array
            || !template.TryGetProperty("special_tokens", out JsonElement specials) || specials.ValueKind != JsonValueKind.Object)
        {
            throw Unsupported("post_processor", root, expected);
        }

        var before = new List<int>();
        var after = new List<int>();
        bool seenSequence = false;
        foreach (JsonElement piece in single.EnumerateArray())
        {
            if (piece.TryGetProperty("Sequence", out JsonElement sequence) && StringOf(sequence, "id") == "A" && !seenSequence)
            {
                seenSequence = true;
            }
            else if (piece.TryGetProperty("SpecialToken", out JsonElement special) && StringOf(special, "id") is { } name
                     && specials.TryGetProperty(name, out JsonElement entry) && entry.TryGetProperty("ids", out JsonElement ids)
                     && ids.ValueKind == JsonValueKind.Array)
            {
                (seenSequence ? after : before).AddRange(ids.EnumerateArray().Select(id => id.GetInt32()));
            }
            else
            {
                throw Unsupported("post_processor", root, expected);
            }
        }

        return seenSequence ? (before, after) : throw Unsupported("post_processor", root, expected);
    }

    private static void CheckModel(JsonElement model)
    {
        if (TypeOf(model) != "BPE")
        {
            throw new TokenizerLoadException($"tokenizer.json model.type is '{TypeOf(model)}'; only byte-level 'BPE' (Qwen2 and Llama 3 families) is supported.");
        }
        if (BoolOf(model, "byte_fallback") || BoolOf(model, "fuse_unk")
            || !string.IsNullOrEmpty(StringOf(model, "continuing_subword_prefix"))
            || !string.IsNullOrEmpty(StringOf(model, "end_of_word_suffix"))
            || (model.TryGetProperty("dropout", out JsonElement dropout) && dropout.ValueKind != JsonValueKind.Null))
        {
            throw new TokenizerLoadException(
                "tokenizer.json model uses byte_fallback, fuse_unk, dropout or subword affixes, which this tokenizer does not reproduce.");
        }
    }

    private static Dictionary<string, int> ReadVocabulary(JsonElement model)
    {
        JsonElement vocab = Require(model, "vocab", JsonValueKind.Object);
        var result = new Dictionary<string, int>(capacity: 160_000, StringComparer.Ordinal);
        foreach (JsonProperty entry in vocab.EnumerateObject())
        {
            result[entry.Name] = entry.Value.GetInt32();
        }
        return result;
    }

    private static List<string> ReadMerges(JsonElement model)
    {
        JsonElement merges = Require(model, "merges", JsonValueKind.Array);
        var result = new List<string>(merges.GetArrayLength());
        foreach (JsonElement merge in merges.EnumerateArray())
        {
            // Older files spell a merge "a b"; newer ones ["a", "b"] (which allows spaces in tokens).
            string text = merge.ValueKind == JsonValueKind.Array
                ? $"{merge[0].GetString()} {merge[1].GetString()}"
                : merge.GetString() ?? "";
            result.Add(text);
        }
        return result;
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root)
    {
        var result = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out JsonElement added) || added.ValueKind != JsonValueKind.Array)
        {
            return result;
        }
        foreach (JsonElement token in added.EnumerateArray())
        {
            string content = StringOf(token, "content") ?? "";
            if (BoolOf(token, "lstrip") || BoolOf(token, "rstrip") || BoolOf(token, "single_word") || BoolOf(token, "normalized"))
            {
                throw new TokenizerLoadException(
                    $"added token '{content}' uses lstrip, rstrip, single_word or normalized, which this tokenizer does not reproduce.");
            }
            result.Add(new AddedToken(token.GetProperty("id").GetInt32(), content, BoolOf(token, "special")));
        }
        return result;
    }

    private static TokenizerLoadException Unsupported(string field, JsonElement root, string expected)
    {
        string actual = root.TryGetProperty(field, out JsonElement value) ? value.GetRawText() : "missing";
        if (actual.Length > 300)
        {
            actual = actual[..300] + "...";
        }
        return new TokenizerLoadException(
            $"tokenizer.json {field} is {actual}; only {expected} is reproduced exactly (Qwen2 and Llama 3 families).");
    }

    private static JsonElement Require(JsonElement parent, string name, JsonValueKind kind)
    {
        if (!parent.TryGetProperty(name, out JsonElement value) || value.ValueKind != kind)
        {
            throw new TokenizerLoadException($"tokenizer.json is missing '{name}' ({kind}).");
        }
        return value;
    }

    private static string? TypeOf(JsonElement element) => StringOf(element, "type");

    private static string? StringOf(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value)
            && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool BoolOf(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value)
            && value.ValueKind == JsonValueKind.True;
}
