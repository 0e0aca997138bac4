using System.Diagnostics;
using Inference.Grammar.Automata;
using Inference.Grammar.Sources.Ebnf;
using Inference.Grammar.Sources.Json;
using Inference.Grammar.Sources.Regex;
using Inference.Grammar.Sources.StructuralTag;
using Inference.Grammar.Vocabulary;

namespace Inference.Grammar;

/// <summary>
/// Compiles grammar specs against one vocabulary, once per distinct spec: later requests with an equal spec share the
/// cached <see cref="CompiledGrammar"/> (least recently used evicted). Thread-safe; concurrent requests for the same
/// spec compile it once.
/// </summary>
public sealed class GrammarCompiler(TokenVocabulary vocabulary, GrammarCompilerOptions? options = null)
{
    private readonly GrammarCompilerOptions _options = options ?? new GrammarCompilerOptions();
    private readonly Dictionary<string, LinkedListNode<(string Key, Lazy<CompiledGrammar> Value)>> _cache = [];
    private readonly LinkedList<(string Key, Lazy<CompiledGrammar> Value)> _recency = new();
    private readonly Lock _lock = new();

    public TokenVocabulary Vocabulary { get; } = vocabulary;

    /// <summary>Number of compiled grammars held.</summary>
    public int CachedCount
    {
        get
        {
            lock (_lock)
            {
                return _cache.Count;
            }
        }
    }

    /// <summary>The compiled grammar of the spec, from the cache or compiled now. Throws <see cref="GrammarException"/>
    /// (or <see cref="UnsupportedSchemaException"/>) for a spec the engine cannot serve.</summary>
    public CompiledGrammar Compile(GrammarSpec spec)
    {
        Lazy<CompiledGrammar> entry;
        lock (_lock)
        {
            if (_cache.TryGetValue(spec.CacheKey, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                entry = node.Value.Value;
            }
            else
            {
                entry = new Lazy<CompiledGrammar>(() => CompileUncached(spec));
                _cache[spec.CacheKey] = _recency.AddFirst((spec.CacheKey, entry));
                while (_cache.Count > Math.Max(1, _options.CacheCapacity))
                {
                    _cache.Remove(_recency.Last!.Value.Key);
                    _recency.RemoveLast();
                }
            }
        }
        try
        {
            return entry.Value;
        }
        catch
        {
            Forget(spec.CacheKey, entry);
            throw;
        }
    }

    /// <summary>
    /// Checks that the spec can be served, without a vocabulary: builds only its automaton (no token masks), so a
    /// front end that has no tokenizer.json can refuse an unsupported spec before the request runs. Throws what
    /// <see cref="Compile"/> would throw for the spec (<see cref="UnsupportedSchemaException"/>,
    /// <see cref="UnsupportedRegexException"/>, <see cref="GrammarTooLargeException"/>, <see cref="GrammarException"/>).
    /// </summary>
    public static void Validate(GrammarSpec spec, GrammarCompilerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        BuildGrammar(spec, options ?? new GrammarCompilerOptions());
    }

    /// <summary>Compiles without touching the cache.</summary>
    public CompiledGrammar CompileUncached(GrammarSpec spec)
    {
        var clock = Stopwatch.StartNew();
        var grammar = BuildGrammar(spec, _options);
        return new CompiledGrammar(grammar, Vocabulary, clock.Elapsed);
    }

    internal static GrammarAutomaton BuildGrammar(GrammarSpec spec, GrammarCompilerOptions options)
    {
        var builder = new GrammarBuilder(options.MaxStates);
        int root = spec switch
        {
            GrammarSpec.JsonSchemaSpec s => new JsonSchemaConverter(builder, options, s.Strict, Whitespace(s.WhitespacePattern, options)).ConvertRoot(s.Schema),
            GrammarSpec.JsonObjectSpec s => new JsonValueRules(builder, options, Whitespace(s.WhitespacePattern, options)).Object,
            GrammarSpec.RegexSpec s => builder.Add("regex", new RegexParser(s.Pattern, CharEncoding.Raw, options.MaxRepetition).Parse()),
            GrammarSpec.ChoiceSpec s => builder.Add("choice", ChoiceExpr(s.Choices)),
            GrammarSpec.EbnfSpec s => new EbnfParser(s.Grammar, builder, options.MaxRepetition).Parse(),
            GrammarSpec.StructuralTagSpec s => new StructuralTagConverter(builder, options).Convert(s.Triggers, s.Structures),
            GrammarSpec.StructuralTagFormatSpec s => new TagFormatConverter(builder, options).Convert(TagFormatReader.Read(s.Format)),
            _ => throw new ArgumentOutOfRangeException(nameof(spec)),
        };
        return builder.Build(root);
    }

    /// <summary>vLLM's guided_whitespace_pattern as the JSON grammars' whitespace, or null for their default.</summary>
    private static Expr? Whitespace(string? pattern, GrammarCompilerOptions options) =>
        pattern is null ? null : new RegexParser(pattern, CharEncoding.Raw, options.MaxRepetition).Parse();

    private static Expr ChoiceExpr(string[] choices)
    {
        if (choices.Length == 0)
        {
            throw new GrammarException("guided_choice needs at least one choice");
        }
        return Expr.Alt(choices.Select(Expr.Literal).ToArray());
    }

    private void Forget(string key, Lazy<CompiledGrammar> entry)
    {
        lock (_lock)
        {
            if (_cache.TryGetValue(key, out var node) && ReferenceEquals(node.Value.Value, entry))
            {
                _cache.Remove(key);
                _recency.Remove(node);
            }
        }
    }
}
