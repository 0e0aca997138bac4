using Inference.Abstractions.Execution;
using Inference.Grammar;

namespace Worker.Runtime.Sampling;

/// <summary>What sampling remembers about one request: its parameters, its generator and the tokens penalties look at.</summary>
public sealed class SequenceSamplingState
{
    private readonly Dictionary<int, int> _outputCounts = [];
    private readonly HashSet<int> _seenTokens = [];
    private readonly List<int> _outputTokens = [];

    /// <param name="promptTokens">Prompt tokens (repetition penalty looks at these too).</param>
    /// <param name="outputTokens">Tokens already generated (a request resumed after preemption); a grammar replays them.</param>
    /// <param name="grammar">A fresh matcher of the request's structured output, or null.</param>
    public SequenceSamplingState(SamplingParams parameters, IEnumerable<int> promptTokens, IEnumerable<int> outputTokens, GrammarMatcher? grammar = null)
    {
        Parameters = parameters;
        Grammar = grammar;
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
        // A token the grammar refuses can only be a forced pick when every token was masked (a ban on the one
        // allowed token, such as EOS before min_tokens); the matcher then stays where it was.
        Grammar?.AcceptToken(token);
    }
}
