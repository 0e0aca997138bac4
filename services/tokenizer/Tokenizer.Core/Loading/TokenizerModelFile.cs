using System.Text.Json;
using Tokenizer.Core.Text;

namespace Tokenizer.Core.Loading;

/// <summary>
/// What tokenizer.json holds, read and checked against the one configuration this library reproduces
/// exactly: byte-level BPE (Qwen2 family) with NFC, the Qwen split pattern and the byte-level decoder.
/// Anything else is refused rather than tokenized slightly differently from Hugging Face.
/// </summary>
internal sealed class TokenizerModelFile
{
    public required Dictionary<string, int> Vocabulary { get; init; }
    /// <summary>Merges as "left right", highest priority first.</summary>
    public required List<string> Merges { get; init; }
    public required List<AddedToken> AddedTokens { get; init; }

    public static TokenizerModelFile Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new TokenizerLoadException($"tokenizer.json not found at '{path}'.");
        }
        using JsonDocument document = ParseJson(path);
        JsonElement root = document.RootElement;
        CheckNormalizer(root);
        CheckPreTokenizer(root);
        CheckDecoder(root);
        CheckPostProcessor(root);
        JsonElement model = Require(root, "model", JsonValueKind.Object);
        CheckModel(model);
        return new TokenizerModelFile
        {
            Vocabulary = ReadVocabulary(model),
            Merges = ReadMerges(model),
            AddedTokens = ReadAddedTokens(root),
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

    private static void CheckNormalizer(JsonElement root)
    {
        if (!root.TryGetProperty("normalizer", out JsonElement normalizer) || TypeOf(normalizer) != "NFC")
        {
            throw Unsupported("normalizer", root, "{\"type\": \"NFC\"}");
        }
    }

    private static void CheckPreTokenizer(JsonElement root)
    {
        const string expected = "Sequence[Split(Qwen pattern, Isolated), ByteLevel(add_prefix_space=false, use_regex=false)]";
        if (!root.TryGetProperty("pre_tokenizer", out JsonElement pre) || TypeOf(pre) != "Sequence"
            || !pre.TryGetProperty("pretokenizers", out JsonElement steps) || steps.ValueKind != JsonValueKind.Array
            || steps.GetArrayLength() != 2)
        {
            throw Unsupported("pre_tokenizer", root, expected);
        }
        JsonElement split = steps[0];
        JsonElement byteLevel = steps[1];
        bool splitMatches = TypeOf(split) == "Split"
            && split.TryGetProperty("pattern", out JsonElement pattern)
            && pattern.TryGetProperty("Regex", out JsonElement regex)
            && regex.GetString() == QwenPreTokenizer.Pattern
            && StringOf(split, "behavior") == "Isolated"
            && !BoolOf(split, "invert");
        bool byteLevelMatches = TypeOf(byteLevel) == "ByteLevel"
            && !BoolOf(byteLevel, "add_prefix_space") && !BoolOf(byteLevel, "use_regex");
        if (!splitMatches || !byteLevelMatches)
        {
            throw Unsupported("pre_tokenizer", root, expected);
        }
    }

    private static void CheckDecoder(JsonElement root)
    {
        if (!root.TryGetProperty("decoder", out JsonElement decoder) || TypeOf(decoder) != "ByteLevel")
        {
            throw Unsupported("decoder", root, "{\"type\": \"ByteLevel\"}");
        }
    }

    private static void CheckPostProcessor(JsonElement root)
    {
        // A ByteLevel post-processor adds no ids; a template processor would add BOS/EOS we do not reproduce.
        if (root.TryGetProperty("post_processor", out JsonElement post) && post.ValueKind != JsonValueKind.Null
            && TypeOf(post) != "ByteLevel")
        {
            throw Unsupported("post_processor", root, "null or {\"type\": \"ByteLevel\"}");
        }
    }

    private static void CheckModel(JsonElement model)
    {
        if (TypeOf(model) != "BPE")
        {
            throw new TokenizerLoadException($"tokenizer.json model.type is '{TypeOf(model)}'; only byte-level 'BPE' (Qwen2 family) is supported.");
        }
        if (BoolOf(model, "byte_fallback") || BoolOf(model, "ignore_merges") || BoolOf(model, "fuse_unk")
            || !string.IsNullOrEmpty(StringOf(model, "continuing_subword_prefix"))
            || !string.IsNullOrEmpty(StringOf(model, "end_of_word_suffix"))
            || (model.TryGetProperty("dropout", out JsonElement dropout) && dropout.ValueKind != JsonValueKind.Null))
        {
            throw new TokenizerLoadException(
                "tokenizer.json model uses byte_fallback, ignore_merges, fuse_unk, dropout or subword affixes, which this tokenizer does not reproduce.");
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
            $"tokenizer.json {field} is {actual}; only {expected} is reproduced exactly (Qwen2 family).");
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
