namespace Inference.Cli.Benchmarks;

/// <summary>
/// One streaming request as the client saw it: when each chunk carrying text arrived (seconds from the start) and how
/// many tokens the server's usage says it generated.
/// </summary>
public sealed record StreamTimeline(IReadOnlyList<double> ChunkSeconds, int CompletionTokens)
{
    /// <summary>
    /// Decode throughput of concurrent streams at steady state: from the moment every stream has its first chunk
    /// (all prefills done, every sequence decoding) to the last chunk of any stream, the tokens that arrived in that
    /// window per second. A chunk usually carries one token; where the tokenizer held text back (a partial UTF-8
    /// character) one chunk carries several, so each stream's chunks are weighted by its tokens per chunk.
    /// </summary>
    /// <returns>Tokens per second, or 0 when the window is empty.</returns>
    public static double SteadyDecodeRate(IReadOnlyList<StreamTimeline> streams)
    {
        if (streams.Count == 0 || streams.Any(s => s.ChunkSeconds.Count == 0))
        {
            return 0;
        }

        double start = streams.Max(s => s.ChunkSeconds[0]);
        double end = streams.Max(s => s.ChunkSeconds[^1]);
        if (end <= start)
        {
            return 0;
        }

        double tokens = streams.Sum(s => s.ChunkSeconds.Count(t => t > start) * ((double)s.CompletionTokens / s.ChunkSeconds.Count));
        return tokens / (end - start);
    }
}
