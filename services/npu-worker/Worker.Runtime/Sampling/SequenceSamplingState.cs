using Inference.Abstractions.Execution;
using Inference.Grammar;

namespace Worker.Runtime.Sampling;

/// <summary>What sampling remembers about one request: its parameters, its generator and the tokens penalties look at.</summary>
public sealed class SequenceSamplingState
{
    private readonly Dictionary<int, int> _outputCounts = [];
    private readonly HashSet<int> _seenTokens = [];
    private readonly List<int> _outputTokens = [];

    /// <summary>The close tag the grammar waits for; null once it applies (or when it never waited).</summary>
    private int? _reasoningClose;

    /// <param name="promptTokens">Prompt tokens (repetition penalty looks at these too).</param>
    /// <param name="outputTokens">Tokens already generated (a request resumed after preemption); a grammar replays them.</param>
    /// <param name="grammar">A fresh matcher of the request's structured output, or null.</param>
    /// <param name="grammarAfter">
    /// The reasoning tags the grammar waits out (structured output after the reasoning), or null: the grammar then
    /// applies from the token after <see cref="ReasoningTokens.Close"/>, or from the first when the prompt closed the block.
    /// </param>
    public SequenceSamplingState(SamplingParams parameters, IReadOnlyList<int> promptTokens, IEnumerable<int> outputTokens, GrammarMatcher? grammar = null,
        ReasoningTokens? grammarAfter = null)
    {
        Parameters = parameters;
        Grammar = grammar;
        _reasoningClose = grammarAfter is not null && !grammarAfter.ClosedAfter(promptTokens) ? grammarAfter.Close : null;
        Random = new SplitMix64Random(parameters.Seed ?? (ulong)System.Random.Shared.NextInt64());
        _seenTokens.UnionWith(promptTokens);
        foreach (int token in outputTokens)
        {
            AddOutputToken(token);
        }
    }

    public SamplingParams Parameters { get; set; }
    public SplitMix64Random Random { get; }

    /// <summary>The structured-output state: which tokens may come next. Null without structured output.</summary>
    public GrammarMatcher? Grammar { get; }

    /// <summary>The grammar that constrains the next token: <see cref="Grammar"/>, or null while it waits out the reasoning.</summary>
    public GrammarMatcher? ActiveGrammar => _reasoningClose is null ? Grammar : null;

    /// <summary>The grammar's mask of the next token, filled ahead of sampling or when sampling.</summary>
    public GrammarMask GrammarMask { get; } = new();

    /// <summary>Generated token id to its count (presence and frequency penalties).</summary>
    public IReadOnlyDictionary<int, int> OutputCounts => _outputCounts;

    /// <summary>Generated ids in order (bad words look at how the output ends).</summary>
    public IReadOnlyList<int> OutputTokens => _outputTokens;

    /// <summary>Prompt and generated ids (repetition penalty, as Hugging Face applies it).</summary>
    public IReadOnlySet<int> SeenTokens => _seenTokens;

    public void AddOutputToken(int token)
    {
        _outputCounts[token] = _outputCounts.GetValueOrDefault(token) + 1;
        _outputTokens.Add(token);
        _seenTokens.Add(token);
        if (_reasoningClose is { } close)
        {
            // Still reasoning: the grammar starts with the token after the close tag.
            _reasoningClose = token == close ? null : close;
            return;
        }

        // A token the grammar refuses can only be a forced pick when every token was masked (a ban on the one
        // allowed token, such as EOS before min_tokens); the matcher then stays where it was.
        Grammar?.AcceptToken(token);
    }
}
