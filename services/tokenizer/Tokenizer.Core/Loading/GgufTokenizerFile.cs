using Inference.Gguf;
using Tokenizer.Core.Text;

namespace Tokenizer.Core.Loading;

/// <summary>
/// The tokenizer a GGUF file carries (tokenizer.ggml.*, as convert_hf_to_gguf.py writes a byte-level BPE vocabulary),
/// read into the same parts tokenizer.json and tokenizer_config.json give: normal tokens are the BPE vocabulary,
/// control tokens the special added tokens, user-defined tokens the other added tokens (&lt;think&gt;,
/// &lt;tool_call&gt;), unused padding ids are left out. GGUF keeps no "special" flag: an added token the converter
/// made a control token because it looks like "&lt;|...|&gt;" is special here, as llama.cpp treats it. Only tokenizer.ggml.model "gpt2" with pre-tokenizer "qwen2"
/// is reproduced exactly; others are refused by name. The BOS token counts only where add_bos_token is true (Qwen's
/// tokenizers name none); EOS is eos_token_id, plus eot_token_id where the file has one.
/// </summary>
internal static class GgufTokenizerFile
{
    public const string Extension = ".gguf";

    public static bool IsGgufFile(string path) =>
        path.EndsWith(Extension, StringComparison.OrdinalIgnoreCase) && File.Exists(path);

    /// <exception cref="TokenizerLoadException">The file is not a GGUF file, or its tokenizer is missing or not reproduced exactly.</exception>
    public static (TokenizerModelFile Model, TokenizerConfigFile Config) Read(string path)
    {
        GgufFile file;
        try
        {
            file = GgufFile.Open(path);
        }
        catch (InvalidDataException e)
        {
            throw new TokenizerLoadException(e.Message, e);
        }

        var metadata = file.Metadata;
        Expect(file, GgufKeys.TokenizerModel, "gpt2");
        Expect(file, GgufKeys.TokenizerPre, "qwen2");
        try
        {
            string[] tokens = metadata.GetArray<string>(GgufKeys.Tokens);
            int[] types = metadata.GetArray<int>(GgufKeys.TokenTypes);
            if (types.Length != tokens.Length)
            {
                throw new TokenizerLoadException($"{path}: {GgufKeys.TokenTypes} has {types.Length} entries for {tokens.Length} tokens.");
            }

            var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
            var added = new List<AddedToken>();
            for (int id = 0; id < tokens.Length; id++)
            {
                switch ((GgufTokenType)types[id])
                {
                    case GgufTokenType.Normal:
                        vocabulary[tokens[id]] = id;
                        break;
                    case GgufTokenType.Control:
                        added.Add(new AddedToken(id, tokens[id], Special: true));
                        break;
                    case GgufTokenType.UserDefined:
                        added.Add(new AddedToken(id, tokens[id], Special: false));
                        break;
                    case GgufTokenType.Unused:
                        break;
                    default:
                        throw new TokenizerLoadException(
                            $"{path}: token {id} '{tokens[id]}' has type {(GgufTokenType)types[id]}, which a byte-level BPE vocabulary does not use.");
                }
            }

            bool addBos = metadata.TryGet(GgufKeys.AddBosToken, out var addBosValue) && addBosValue.Value is true;
            // The "qwen2" pre-tokenizer is the Qwen2 family's tokenizer.json: NFC, its split pattern, merges applied.
            var model = new TokenizerModelFile
            {
                Vocabulary = vocabulary,
                Merges = [.. metadata.GetArray<string>(GgufKeys.Merges)],
                AddedTokens = added,
                Nfc = true,
                PreTokenizer = SplitPatternPreTokenizer.Qwen2,
                IgnoreMerges = false,
                SpecialTokensAround = (addBos && Id(file, GgufKeys.BosTokenId) is int bos ? [bos] : [], []),
            };
            var config = new TokenizerConfigFile
            {
                ChatTemplate = metadata.TryGet(GgufKeys.ChatTemplate, out var template) ? template.Value as string : null,
                BosToken = addBos ? TokenText(tokens, Id(file, GgufKeys.BosTokenId)) : null,
                EosToken = TokenText(tokens, Id(file, GgufKeys.EosTokenId)),
                GenerationEosTokenIds = Id(file, GgufKeys.EotTokenId) is int eot ? [eot] : [],
            };
            return (model, config);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidDataException)
        {
            throw new TokenizerLoadException($"{path}: {e.Message}", e);
        }
    }

    private static void Expect(GgufFile file, string key, string expected)
    {
        string actual = file.Metadata.TryGet(key, out var value) ? value.Value as string ?? value.Value.ToString() ?? "" : "missing";
        if (actual != expected)
        {
            throw new TokenizerLoadException(
                $"{file.Path}: {key} is '{actual}'; only '{expected}' is reproduced exactly (byte-level BPE, Qwen2 family).");
        }
    }

    private static int? Id(GgufFile file, string key) =>
        file.Metadata.TryGet(key, out var value) ? value.Value switch
        {
            uint v => (int)v,
            int v => v,
            _ => throw new TokenizerLoadException($"{file.Path}: {key} must be an integer, got {value.Type}."),
        } : null;

    private static string? TokenText(string[] tokens, int? id) => id is int i && (uint)i < (uint)tokens.Length ? tokens[i] : null;
}
