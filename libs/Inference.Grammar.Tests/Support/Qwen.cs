using Inference.Grammar.Vocabulary;

namespace Inference.Grammar.Tests.Support;

/// <summary>The Qwen2.5 vocabulary as the worker sees it (vocab_size 152064, eos &lt;|im_end|&gt; and &lt;|endoftext|&gt;), loaded once.</summary>
internal static class Qwen
{
    public const int ModelVocabSize = 152064;
    public const int ImEnd = 151645;
    public const int EndOfText = 151643;
    public const int ImStart = 151644;

    private static readonly Lazy<TokenVocabulary> LazyVocabulary = new(() => TokenVocabulary.FromTokenizerJson(
        Path.Combine(AppContext.BaseDirectory, "qwen2.5-tokenizer", "tokenizer.json"), ModelVocabSize, [ImEnd, EndOfText]));

    private static readonly Lazy<GrammarCompiler> LazyCompiler = new(() => new GrammarCompiler(Vocabulary));

    public static TokenVocabulary Vocabulary => LazyVocabulary.Value;

    /// <summary>Shared, so tests also exercise the compiled-grammar cache.</summary>
    public static GrammarCompiler Compiler => LazyCompiler.Value;

    public static int TokenOf(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        for (int id = 0; id < Vocabulary.Size; id++)
        {
            if (Vocabulary.IsNormal(id) && Vocabulary.GetBytes(id).SequenceEqual(bytes))
            {
                return id;
            }
        }
        throw new InvalidOperationException($"no token spells '{text}'");
    }
}
