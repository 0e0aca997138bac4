using System.Text;
using Microsoft.ML.Tokenizers;
using Tokenizer.Core.Loading;
using Tokenizer.Core.Streaming;
using Tokenizer.Core.Text;

namespace Tokenizer.Core;

/// <summary>
/// A byte-level BPE tokenizer of the Qwen2 and Llama 3 families that reproduces Hugging Face tokenizers' ids exactly.
/// Added tokens are split out of the raw text first; the text between them is NFC-normalized (Qwen2),
/// pre-tokenized on code points with the family's split pattern and byte-level BPE encoded (Microsoft.ML.Tokenizers;
/// with ignore_merges, as Llama 3, a pre-token spelled whole in the vocabulary is that one id). add_special_tokens puts
/// the post-processor's ids around the result (Llama 3: BOS). Decoding maps each id to its bytes and decodes UTF-8
/// once, lossily, as Hugging Face does. Thread-safe: all state is read-only after <see cref="Load"/>.
/// </summary>
public sealed class QwenTokenizer
{
    private readonly BpeTokenizer _bpe;
    private readonly AddedTokenMatcher _addedTokenMatcher;
    private readonly byte[]?[] _tokenBytes;
    private readonly string?[] _tokenStrings;
    private readonly bool[] _isSpecial;
    private readonly TokenizerOptions _options;
    private readonly TokenizerModelFile _model;

    private QwenTokenizer(BpeTokenizer bpe, TokenizerModelFile model, TokenizerConfigFile config, TokenizerOptions options)
    {
        _bpe = bpe;
        _options = options;
        _model = model;
        AddedTokens = model.AddedTokens;
        _addedTokenMatcher = new AddedTokenMatcher(model.AddedTokens);
        VocabSize = Math.Max(model.Vocabulary.Values.DefaultIfEmpty(-1).Max(), model.AddedTokens.Select(t => t.Id).DefaultIfEmpty(-1).Max()) + 1;
        (_tokenBytes, _isSpecial, _tokenStrings) = BuildIdTables(model, VocabSize);
        ChatTemplate = options.ChatTemplate ?? config.ChatTemplate;
        ChatTemplateOverridden = options.ChatTemplate is not null;
        BosToken = config.BosToken;
        EosToken = config.EosToken;
        BosTokenId = config.BosToken is null ? -1 : TokenToId(config.BosToken) ?? -1;
        EosTokenIds = CollectEosIds(config);
    }

    /// <summary>Number of ids (vocabulary plus added tokens).</summary>
    public int VocabSize { get; }
    public IReadOnlyList<AddedToken> AddedTokens { get; }
    public string? ChatTemplate { get; }

    /// <summary>The chat template is the operator's (<see cref="TokenizerOptions.ChatTemplate"/>), not the folder's.</summary>
    public bool ChatTemplateOverridden { get; }
    public string? BosToken { get; }
    public string? EosToken { get; }
    /// <summary>BOS id, or -1 when the model has none (Qwen).</summary>
    public int BosTokenId { get; }
    /// <summary>EOS ids from tokenizer_config.json's eos_token and generation_config.json's eos_token_id.</summary>
    public IReadOnlyList<int> EosTokenIds { get; }
    public int MaxInputChars => _options.MaxInputChars;

    /// <summary>
    /// Loads tokenizer.json and tokenizer_config.json from a Hugging Face model folder, or the tokenizer a GGUF file
    /// carries (a path ending in .gguf).
    /// </summary>
    /// <exception cref="TokenizerLoadException">Missing files or a configuration not reproduced exactly.</exception>
    public static QwenTokenizer Load(string modelPath, TokenizerOptions options)
    {
        options.Validate();
        var (model, config) = GgufTokenizerFile.IsGgufFile(modelPath)
            ? GgufTokenizerFile.Read(modelPath)
            : (TokenizerModelFile.Read(Path.Combine(modelPath, "tokenizer.json")), TokenizerConfigFile.Read(modelPath));
        if (model.Nfc)
        {
            NfcNormalizer.EnsureAvailable();
        }
        var bpeOptions = new BpeOptions(model.Vocabulary)
        {
            Merges = model.Merges,
            PreTokenizer = model.PreTokenizer,
            ByteLevel = true,
        };
        return new QwenTokenizer(BpeTokenizer.Create(bpeOptions), model, config, options);
    }

    /// <summary>Text to ids, as Hugging Face's encode(text, add_special_tokens=<paramref name="addSpecialTokens"/>).</summary>
    /// <param name="parseSpecialTokens">False encodes special tokens' text literally (Hugging Face
    /// split_special_tokens=True): for untrusted text. Added tokens not flagged special (&lt;think&gt;,
    /// &lt;tool_call&gt;) are still recognized, as in Hugging Face.</param>
    /// <param name="addSpecialTokens">Put the post-processor's ids around the text (Llama 3: BOS first; Qwen2: none).</param>
    /// <exception cref="TokenizerInputException">The text exceeds <see cref="MaxInputChars"/>.</exception>
    public int[] Encode(string text, bool parseSpecialTokens = true, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > _options.MaxInputChars)
        {
            throw new TokenizerInputException("text",
                $"text must be at most {_options.MaxInputChars} characters, got {text.Length}");
        }
        var ids = new List<int>(text.Length / 3 + 4);
        if (addSpecialTokens)
        {
            ids.AddRange(_model.SpecialTokensAround.Before);
        }

        int segmentStart = 0;
        int searchFrom = 0;
        while (_addedTokenMatcher.FindNext(text, searchFrom) is var (index, token))
        {
            searchFrom = index + token.Content.Length;
            if (token.Special && !parseSpecialTokens)
            {
                continue;
            }
            EncodeText(text.AsSpan(segmentStart, index - segmentStart), ids);
            ids.Add(token.Id);
            segmentStart = searchFrom;
        }
        EncodeText(text.AsSpan(segmentStart), ids);
        if (addSpecialTokens)
        {
            ids.AddRange(_model.SpecialTokensAround.After);
        }

        return ids.ToArray();
    }

    /// <summary>Ids to text, as Hugging Face's decode: unknown ids are dropped, invalid UTF-8 becomes U+FFFD.</summary>
    /// <param name="skipSpecialTokens">Drop added tokens flagged "special": true (not &lt;think&gt; and the like).</param>
    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens)
    {
        var bytes = new List<byte>(ids.Count * 4);
        foreach (int id in ids)
        {
            if (GetTokenBytes(id, skipSpecialTokens) is { } tokenBytes)
            {
                bytes.AddRange(tokenBytes);
            }
        }
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    /// <summary>The raw bytes an id stands for; null when the id is unknown or skipped as special.</summary>
    public byte[]? GetTokenBytes(int id, bool skipSpecialTokens)
    {
        if ((uint)id >= (uint)_tokenBytes.Length || (skipSpecialTokens && _isSpecial[id]))
        {
            return null;
        }
        return _tokenBytes[id];
    }

    /// <summary>
    /// The id's token as Hugging Face's <c>convert_ids_to_tokens</c> spells it: a vocabulary entry in the byte-level
    /// alphabet ("Ġworld" for " world"), an added token as its content; null for an id the tokenizer does not know.
    /// </summary>
    public string? IdToToken(int id) => (uint)id < (uint)_tokenStrings.Length ? _tokenStrings[id] : null;

    public bool IsSpecial(int id) => (uint)id < (uint)_isSpecial.Length && _isSpecial[id];

    /// <summary>The id of an added token or vocabulary entry spelled exactly <paramref name="token"/>.</summary>
    public int? TokenToId(string token)
    {
        foreach (AddedToken added in AddedTokens)
        {
            if (added.Content == token)
            {
                return added.Id;
            }
        }
        return _bpe.Vocabulary.TryGetValue(token, out int id) ? id : null;
    }

    /// <summary>Starts detokenizing one generated sequence.</summary>
    /// <param name="minTokens">Stop strings count only once they end after the text of this many ids (vLLM's min_tokens).</param>
    public IncrementalDetokenizer CreateDetokenizer(
        bool skipSpecialTokens, IReadOnlyList<string> stop, bool includeStopStrInOutput, int minTokens = 0) =>
        new(this, skipSpecialTokens, stop, includeStopStrInOutput, minTokens);

    private void EncodeText(ReadOnlySpan<char> text, List<int> ids)
    {
        if (text.IsEmpty)
        {
            return;
        }
        string normalized = _model.Nfc ? NfcNormalizer.Normalize(text.ToString()) : text.ToString();
        if (!_model.IgnoreMerges)
        {
            ids.AddRange(_bpe.EncodeToIds(normalized, considerPreTokenization: true, considerNormalization: false));
            return;
        }

        var pieces = new List<(int Offset, int Length)>();
        _model.PreTokenizer.Split(normalized, pieces);
        foreach (var (offset, length) in pieces)
        {
            var piece = normalized.AsSpan(offset, length);
            if (_bpe.Vocabulary.TryGetValue(ByteLevelAlphabet.Spell(piece), out int whole))
            {
                ids.Add(whole);
            }
            else
            {
                ids.AddRange(_bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false));
            }
        }
    }

    private static (byte[]?[] Bytes, bool[] Special, string?[] Strings) BuildIdTables(TokenizerModelFile model, int size)
    {
        var bytes = new byte[]?[size];
        var special = new bool[size];
        var strings = new string?[size];
        foreach ((string token, int id) in model.Vocabulary)
        {
            // The byte-level decoder falls back to the token's UTF-8 when it has a character outside the table.
            bytes[id] = ByteLevelAlphabet.ToBytes(token) ?? Encoding.UTF8.GetBytes(token);
            strings[id] = token;
        }
        foreach (AddedToken added in model.AddedTokens)
        {
            bytes[added.Id] = Encoding.UTF8.GetBytes(added.Content);
            special[added.Id] = added.Special;
            strings[added.Id] = added.Content;
        }
        return (bytes, special, strings);
    }

    private IReadOnlyList<int> CollectEosIds(TokenizerConfigFile config)
    {
        var ids = new List<int>();
        if (config.EosToken is not null && TokenToId(config.EosToken) is int eos)
        {
            ids.Add(eos);
        }
        foreach (int id in config.GenerationEosTokenIds)
        {
            if (!ids.Contains(id))
            {
                ids.Add(id);
            }
        }
        return ids;
    }
}
