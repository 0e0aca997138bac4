using System.Text.Json;

namespace Inference.Grammar.Vocabulary;

/// <summary>
/// The bytes of every token of a byte-level BPE vocabulary, as a grammar sees them. Added and special tokens
/// (<c>added_tokens</c> of tokenizer.json) and padding ids (from the tokenizer's size up to the model's
/// <c>vocab_size</c>) are never allowed inside structured output; the end-of-sequence ids are allowed only once the
/// grammar is complete.
/// </summary>
public sealed class TokenVocabulary
{
    private readonly byte[] _bytes;
    private readonly int[] _offsets;
    private readonly bool[] _isNormal;

    private TokenVocabulary(int size, byte[] bytes, int[] offsets, bool[] isNormal, int[] eosTokenIds)
    {
        Size = size;
        _bytes = bytes;
        _offsets = offsets;
        _isNormal = isNormal;
        EosTokenIds = eosTokenIds;
        Trie = new TokenTrie(this);
    }

    /// <summary>Number of token ids, the model's vocab_size (the logits' width); the bitmask covers this many bits.</summary>
    public int Size { get; }

    /// <summary>Length in 64-bit words of a bitmask over this vocabulary.</summary>
    public int MaskWords => (Size + 63) / 64;

    /// <summary>The ids allowed (only) once the grammar is complete.</summary>
    public IReadOnlyList<int> EosTokenIds { get; }

    /// <summary>Number of ids that are ordinary byte tokens (usable inside structured output).</summary>
    public int NormalTokenCount => Trie.TokenCount;

    internal TokenTrie Trie { get; }

    /// <summary>The bytes of an ordinary token (empty for special, added or padding ids).</summary>
    public ReadOnlySpan<byte> GetBytes(int tokenId) =>
        _bytes.AsSpan(_offsets[tokenId], _offsets[tokenId + 1] - _offsets[tokenId]);

    /// <summary>True when the id is an ordinary byte token (not special, added, padding or out of range).</summary>
    public bool IsNormal(int tokenId) => (uint)tokenId < (uint)Size && _isNormal[tokenId];

    /// <summary>Reads a Hugging Face tokenizer.json of byte-level BPE.</summary>
    /// <param name="tokenizerJsonPath">Path of tokenizer.json.</param>
    /// <param name="modelVocabSize">The model's vocab_size; at least the tokenizer's size, or null to use the tokenizer's.</param>
    /// <param name="eosTokenIds">End-of-sequence ids (generation_config.json's eos_token_id).</param>
    public static TokenVocabulary FromTokenizerJson(string tokenizerJsonPath, int? modelVocabSize, IEnumerable<int> eosTokenIds)
    {
        using var stream = File.OpenRead(tokenizerJsonPath);
        using var document = JsonDocument.Parse(stream);
        return FromTokenizerJson(document.RootElement, modelVocabSize, eosTokenIds);
    }

    /// <summary>Builds the vocabulary from a parsed tokenizer.json.</summary>
    public static TokenVocabulary FromTokenizerJson(JsonElement tokenizer, int? modelVocabSize, IEnumerable<int> eosTokenIds)
    {
        if (!tokenizer.TryGetProperty("model", out var model) || !model.TryGetProperty("vocab", out var vocab) ||
            vocab.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("tokenizer.json has no model.vocab object (only byte-level BPE is supported)");
        }
        var texts = new Dictionary<int, string>();
        foreach (var entry in vocab.EnumerateObject())
        {
            texts[entry.Value.GetInt32()] = entry.Name;
        }
        var added = new HashSet<int>();
        if (tokenizer.TryGetProperty("added_tokens", out var addedTokens) && addedTokens.ValueKind == JsonValueKind.Array)
        {
            foreach (var token in addedTokens.EnumerateArray())
            {
                added.Add(token.GetProperty("id").GetInt32());
            }
        }
        int tokenizerSize = Math.Max(texts.Count == 0 ? 0 : texts.Keys.Max() + 1, added.Count == 0 ? 0 : added.Max() + 1);
        var normal = new string?[tokenizerSize];
        foreach (var (id, text) in texts)
        {
            if (!added.Contains(id))
            {
                normal[id] = text;
            }
        }
        return FromByteLevelTokens(normal, modelVocabSize, eosTokenIds);
    }

    /// <summary>
    /// Builds the vocabulary from the byte-level BPE text of each ordinary token (a GGUF file's normal tokens), null
    /// for the ids that are special, added or padding.
    /// </summary>
    /// <param name="normalTokens">Index = id; the tokenizer's size is its length.</param>
    /// <param name="modelVocabSize">The model's vocab_size; at least the tokenizer's size, or null to use the tokenizer's.</param>
    /// <param name="eosTokenIds">End-of-sequence ids.</param>
    public static TokenVocabulary FromByteLevelTokens(IReadOnlyList<string?> normalTokens, int? modelVocabSize, IEnumerable<int> eosTokenIds)
    {
        ArgumentNullException.ThrowIfNull(normalTokens);
        int tokenizerSize = normalTokens.Count;
        int size = modelVocabSize ?? tokenizerSize;
        if (size < tokenizerSize)
        {
            throw new ArgumentOutOfRangeException(nameof(modelVocabSize),
                $"model vocab_size {size} is below the tokenizer's {tokenizerSize} ids");
        }
        var eos = eosTokenIds.Distinct().ToArray();
        foreach (int id in eos)
        {
            if ((uint)id >= (uint)size)
            {
                throw new ArgumentOutOfRangeException(nameof(eosTokenIds), $"eos token id {id} is outside the vocabulary of {size}");
            }
        }

        var offsets = new int[size + 1];
        var isNormal = new bool[size];
        var all = new List<byte>(size * 8);
        var scratch = new List<byte>(64);
        for (int id = 0; id < size; id++)
        {
            offsets[id] = all.Count;
            if (id < tokenizerSize && normalTokens[id] is { } text && ByteLevelAlphabet.TryDecode(text, scratch) && scratch.Count > 0)
            {
                isNormal[id] = true;
                all.AddRange(scratch);
            }
        }
        offsets[size] = all.Count;
        return new TokenVocabulary(size, all.ToArray(), offsets, isNormal, eos);
    }
}
