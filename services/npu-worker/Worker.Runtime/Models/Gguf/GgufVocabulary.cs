using Inference.Gguf;
using Inference.Grammar.Vocabulary;

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
}
