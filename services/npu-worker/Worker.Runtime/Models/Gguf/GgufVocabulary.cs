using Inference.Gguf;
using Inference.Grammar.Vocabulary;
using Worker.Runtime.Sampling;

namespace Worker.Runtime.Models.Gguf;

/// <summary>The vocabulary structured output masks, from a GGUF file's tokenizer.ggml.tokens: its normal tokens are the byte-level BPE ones.</summary>
public static class GgufVocabulary
{
    /// <exception cref="ArgumentException">The file has no byte-level BPE token list (structured output is refused naming why).</exception>
    public static TokenVocabulary Read(string path, int modelVocabSize, IReadOnlyList<int> eosTokenIds)
    {
        try
        {
            var metadata = GgufFile.Open(path).Metadata;
            string[] tokens = metadata.GetArray<string>(GgufKeys.Tokens);
            int[] types = metadata.GetArray<int>(GgufKeys.TokenTypes);
            var normal = new string?[tokens.Length];
            for (int id = 0; id < tokens.Length && id < types.Length; id++)
            {
                normal[id] = types[id] == (int)GgufTokenType.Normal ? tokens[id] : null;
            }

            return TokenVocabulary.FromByteLevelTokens(normal, modelVocabSize, eosTokenIds);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidDataException)
        {
            throw new ArgumentException($"structured_output needs the GGUF file's token list: {e.Message}", e);
        }
    }

    /// <summary>The file's <c>&lt;think&gt;</c> and <c>&lt;/think&gt;</c> tokens, whatever their type; null without them or a token list.</summary>
    public static ReasoningTokens? ReadReasoningTokens(string path)
    {
        var metadata = GgufFile.Open(path).Metadata;
        return metadata.Contains(GgufKeys.Tokens)
            ? ReasoningTokens.Find(metadata.GetArray<string>(GgufKeys.Tokens).Select((text, id) => (id, text)))
            : null;
    }
}
