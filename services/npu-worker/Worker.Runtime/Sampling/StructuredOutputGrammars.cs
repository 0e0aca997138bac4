using Inference.Abstractions.Generation;
using Inference.Grammar;
using Inference.Grammar.Vocabulary;

namespace Worker.Runtime.Sampling;

/// <summary>
/// One runner's structured-output grammars: the model's vocabulary (read from the model folder's tokenizer.json, or a
/// GGUF file's token list, on first use, with the model's vocab_size and EOS ids) and one compiler, whose cache shares a compiled grammar
/// among the requests with an equal spec; and the reasoning tags a grammar that starts after the reasoning waits for.
/// </summary>
public sealed class StructuredOutputGrammars
{
    private readonly Lazy<GrammarCompiler> _compiler;
    private readonly Lazy<ReasoningTokens?> _reasoningTokens;

    /// <summary>Grammars over a vocabulary built on first use (a GGUF file's token list), with its reasoning tags.</summary>
    public StructuredOutputGrammars(Func<TokenVocabulary> vocabulary, Func<ReasoningTokens?> reasoningTokens)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        _compiler = new Lazy<GrammarCompiler>(() => new GrammarCompiler(vocabulary()));
        _reasoningTokens = new Lazy<ReasoningTokens?>(reasoningTokens);
    }

    public StructuredOutputGrammars(string tokenizerJsonPath, int modelVocabSize, IReadOnlyList<int> eosTokenIds)
    {
        _reasoningTokens = new Lazy<ReasoningTokens?>(() => ReasoningTokens.FromTokenizerJson(tokenizerJsonPath));
        _compiler = new Lazy<GrammarCompiler>(() =>
        {
            if (!File.Exists(tokenizerJsonPath))
            {
                throw new ArgumentException($"structured_output needs the model's tokenizer.json, which is not at {tokenizerJsonPath}.");
            }

            return new GrammarCompiler(TokenVocabulary.FromTokenizerJson(tokenizerJsonPath, modelVocabSize, eosTokenIds));
        });
    }

    /// <summary>The vocabulary's <c>&lt;think&gt;</c> and <c>&lt;/think&gt;</c> tokens; null when it has none.</summary>
    public ReasoningTokens? ReasoningTokens => _reasoningTokens.Value;

    /// <summary>A fresh matcher of the spec (compiled once per distinct spec).</summary>
    /// <exception cref="ArgumentException">The spec cannot be served (the scheduler refuses those before they run),
    /// or the model folder has no tokenizer.json.</exception>
    public GrammarMatcher CreateMatcher(StructuredOutput output)
    {
        try
        {
            return new GrammarMatcher(_compiler.Value.Compile(output.ToGrammarSpec()));
        }
        catch (GrammarException e)
        {
            throw new ArgumentException($"structured_output: {e.Message}", e);
        }
    }
}
