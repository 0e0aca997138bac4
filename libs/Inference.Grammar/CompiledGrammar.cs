using System.Diagnostics;
using Inference.Grammar.Automata;
using Inference.Grammar.Matching;
using Inference.Grammar.Vocabulary;

namespace Inference.Grammar;

/// <summary>
/// A grammar compiled against one vocabulary: its pushdown automaton and, for every position, the precomputed token
/// mask cache. Immutable and thread-safe; one per distinct spec (see <see cref="GrammarCompiler"/>), shared by all
/// the <see cref="GrammarMatcher"/>s of requests using that spec.
/// </summary>
public sealed class CompiledGrammar
{
    private readonly PositionMask?[] _positions;

    internal CompiledGrammar(GrammarAutomaton grammar, TokenVocabulary vocabulary, TimeSpan automatonTime)
    {
        Grammar = grammar;
        Vocabulary = vocabulary;
        Stepper = new Stepper(grammar);
        var clock = Stopwatch.StartNew();
        _positions = new PositionMask?[grammar.NodeCount];
        var builder = new PositionMaskBuilder(Stepper, vocabulary);
        for (int node = 0; node < grammar.NodeCount; node++)
        {
            if (grammar.HasBytes(node))
            {
                _positions[node] = builder.Build(node);
                PositionCount++;
            }
        }
        var start = new StackSet();
        Stepper.Expand(grammar.RuleStart[grammar.Root], null, start);
        InitialStacks = start.ToArray();
        InitialCanTerminate = start.Ended;
        AutomatonTime = automatonTime;
        MaskCacheTime = clock.Elapsed;
    }

    public TokenVocabulary Vocabulary { get; }

    /// <summary>Number of positions (automaton nodes with byte edges), each with a precomputed mask cache entry.</summary>
    public int PositionCount { get; }

    /// <summary>Number of rules of the grammar.</summary>
    public int RuleCount => Grammar.RuleStart.Length;

    /// <summary>Time spent building the automata (parse, determinize).</summary>
    public TimeSpan AutomatonTime { get; }

    /// <summary>Time spent precomputing the token mask caches over the vocabulary.</summary>
    public TimeSpan MaskCacheTime { get; }

    /// <summary>Tokens left to check at runtime, summed over positions (the context-dependent share of the cache).</summary>
    public long UncertainTokenCount => _positions.Sum(p => (long)(p?.Uncertain.Length ?? 0));

    internal GrammarAutomaton Grammar { get; }

    internal Stepper Stepper { get; }

    internal StackTop[] InitialStacks { get; }

    internal bool InitialCanTerminate { get; }

    internal PositionMask Position(int node) => _positions[node] ?? throw new InvalidOperationException($"node {node} is not a position");
}
