namespace Gateway.Api.Embeddings;

/// <summary>
/// The engine calls of one request that embeds several prompts (embeddings' inputs, score's and rerank's texts), one
/// per prompt: at most <see cref="MaxInFlight"/> at a time, results in prompt order. The first failure fails the batch
/// with that failure: the calls still running are cancelled and the rest never start. Cancelling the request (client
/// gone, deadline) cancels them all the same way.
/// </summary>
public static class EmbeddingBatch
{
    /// <summary>
    /// Calls in flight per request. Enough to keep the scheduler's batches full, few enough that one request of 2,048
    /// prompts does not fill its admission bound (256 requests by default) and turn other clients away with 429s.
    /// </summary>
    public const int MaxInFlight = 32;

    /// <param name="count">How many prompts.</param>
    /// <param name="embed">Embeds prompt i; its token is cancelled when another prompt fails or the request is cancelled.</param>
    public static async Task<TResult[]> RunAsync<TResult>(
        int count, Func<int, CancellationToken, Task<TResult>> embed, CancellationToken cancellationToken)
    {
        var results = new TResult[count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = MaxInFlight, CancellationToken = cancellationToken };
        // ForEachAsync cancels the other bodies' token on the first exception and rethrows that one first: the
        // cancellations it causes come after it.
        await Parallel.ForEachAsync(Enumerable.Range(0, count), options, async (i, token) => results[i] = await embed(i, token));
        return results;
    }
}
