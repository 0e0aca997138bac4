using Gateway.Backends;

namespace Gateway.Api.Generation;

/// <summary>
/// Waits for the first update before a streamed answer commits to HTTP 200, so that a request the scheduler refuses
/// (empty prompt, too long, overloaded) still gets a proper error status instead of an error event inside a 200.
/// </summary>
public sealed class GenerationStream : IAsyncDisposable
{
    private readonly IAsyncEnumerator<GenerationOutput> _updates;

    private GenerationStream(IAsyncEnumerator<GenerationOutput> updates) => _updates = updates;

    public static async Task<GenerationStream> OpenAsync(
        IAsyncEnumerable<GenerationOutput> updates, CancellationToken cancellationToken)
    {
        var enumerator = updates.GetAsyncEnumerator(cancellationToken);
        try
        {
            if (!await enumerator.MoveNextAsync())
            {
                throw new InvalidOperationException("The scheduler ended the stream without any response.");
            }
        }
        catch
        {
            await enumerator.DisposeAsync();
            throw;
        }

        return new GenerationStream(enumerator);
    }

    /// <summary>The first update (already received when the stream opened).</summary>
    public GenerationOutput First => _updates.Current;

    /// <summary>Every update, the first one included.</summary>
    public async IAsyncEnumerable<GenerationOutput> ReadAllAsync()
    {
        do
        {
            yield return _updates.Current;
        }
        while (await _updates.MoveNextAsync());
    }

    public ValueTask DisposeAsync() => _updates.DisposeAsync();
}
