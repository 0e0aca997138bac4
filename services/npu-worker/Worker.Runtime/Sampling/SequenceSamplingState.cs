using Inference.Abstractions.Execution;

namespace Worker.Runtime.Sampling;

/// <summary>What sampling remembers about one request: its parameters, its generator and the tokens penalties look at.</summary>
public sealed class SequenceSamplingState
{
    private readonly Dictionary<int, int> _outputCounts = [];
    private readonly HashSet<int> _seenTokens = [];

    /// <param name="promptTokens">Prompt tokens (repetition penalty looks at these too).</param>
    /// <param name="outputTokens">Tokens already generated (a request resumed after preemption).</param>
    public SequenceSamplingState(SamplingParams parameters, IEnumerable<int> promptTokens, IEnumerable<int> outputTokens)
    {
        Parameters = parameters;
        Random = new SplitMix64Random(parameters.Seed ?? (ulong)System.Random.Shared.NextInt64());
        _seenTokens.UnionWith(promptTokens);
        foreach (int token in outputTokens)
        {
            AddOutputToken(token);
        }
    }

    public SamplingParams Parameters { get; set; }
    public SplitMix64Random Random { get; }

    /// <summary>Generated token id to its count (presence and frequency penalties).</summary>
    public IReadOnlyDictionary<int, int> OutputCounts => _outputCounts;

    /// <summary>Prompt and generated ids (repetition penalty, as Hugging Face applies it).</summary>
    public IReadOnlySet<int> SeenTokens => _seenTokens;

    public void AddOutputToken(int token)
    {
        _outputCounts[token] = _outputCounts.GetValueOrDefault(token) + 1;
        _seenTokens.Add(token);
    }
}
