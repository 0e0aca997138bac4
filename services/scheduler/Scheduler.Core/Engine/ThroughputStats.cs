using Scheduler.Core.Speculation;

namespace Scheduler.Core.Engine;

/// <summary>Token counts since the last stats line (vLLM's LoggingStatLogger).</summary>
internal sealed class ThroughputStats(long startTimestamp)
{
    public long IntervalStart { get; private set; } = startTimestamp;

    public long PromptTokens { get; private set; }

    public long GenerationTokens { get; private set; }

    public long PrefixQueries { get; private set; }

    public long PrefixHits { get; private set; }

    /// <summary>The drafts of the interval's steps (speculative decoding).</summary>
    public SpeculationStats Speculation { get; } = new();

    public bool HasActivity => PromptTokens > 0 || GenerationTokens > 0;

    public void Add(long promptTokens, long generationTokens, long prefixQueries, long prefixHits)
    {
        PromptTokens += promptTokens;
        GenerationTokens += generationTokens;
        PrefixQueries += prefixQueries;
        PrefixHits += prefixHits;
    }

    public void Reset(long timestamp)
    {
        IntervalStart = timestamp;
        PromptTokens = GenerationTokens = PrefixQueries = PrefixHits = 0;
        Speculation.Clear();
    }
}
