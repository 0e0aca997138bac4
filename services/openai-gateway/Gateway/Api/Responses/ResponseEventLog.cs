using System.Text.Json.Nodes;
using Gateway.Api.Sse;

namespace Gateway.Api.Responses;

/// <summary>
/// The events of a response created with <c>background</c> and <c>stream</c>, as its run writes them: any number of
/// clients read them (<see cref="StreamAsync"/>), each from the event after the last it saw, then as they come, until
/// the run ends the log (<see cref="End"/>). The event numbered <c>sequence_number</c> n is entry n: one
/// <see cref="ResponseEventStream"/> writes them all, numbering from 0.
/// </summary>
/// <remarks>
/// Memory: the log lives in the response's <see cref="StoredResponse"/> and counts in <see cref="ResponseStore"/>'s
/// budget (its bytes, counted again as each event comes through <paramref name="appended"/>), so it is dropped with the
/// response: on DELETE, or when newer responses push it out of the store's <see cref="ResponseStore.MaxResponses"/>
/// and <see cref="ResponseStore.MaxChars"/>. A client still reading a dropped log holds it until its run ends, and one
/// run writes a few events per generated token, so at most a few per token of <c>max_model_len</c>.
/// </remarks>
/// <param name="appended">Called after each event is added (outside the log's lock): the store counts the log again.</param>
public sealed class ResponseEventLog(Action appended) : INamedEventWriter
{
    private readonly Lock _lock = new();
    private readonly List<byte[]> _frames = [];
    private TaskCompletionSource _changed = NewSignal();
    private bool _ended;
    private long _bytes;

    /// <summary>The bytes of its events as sent (what the store counts as their characters).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Adds an event, framed as sent; never waits (a client reading slowly holds no run back).</summary>
    public Task WriteEventAsync(string name, JsonNode data, CancellationToken cancellationToken)
    {
        var frame = SseWriter.EventFrame(name, data);
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (_ended)
            {
                throw new InvalidOperationException($"The response's events have ended: {name} comes after its last.");
            }

            _frames.Add(frame);
            Interlocked.Add(ref _bytes, frame.Length);
            changed = _changed;
            _changed = NewSignal();
        }

        changed.SetResult();
        appended();
        return Task.CompletedTask;
    }

    /// <summary>No event comes after those written: readers end once they have sent them. Idempotent.</summary>
    public void End()
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            changed = _changed;
        }

        changed.SetResult();
    }

    /// <summary>
    /// Sends the events whose sequence_number is after <paramref name="startingAfter"/> (all when null), then each one
    /// the run writes, until the log ends. Starting past the last event sends nothing until more come.
    /// </summary>
    public async Task StreamAsync(SseWriter sse, int? startingAfter, CancellationToken cancellationToken)
    {
        await sse.StartAsync(cancellationToken);
        var next = startingAfter is { } after ? after + 1L : 0L;
        while (true)
        {
            List<byte[]> frames;
            bool ended;
            Task changed;
            lock (_lock)
            {
                frames = next < _frames.Count ? _frames.GetRange((int)next, _frames.Count - (int)next) : [];
                ended = _ended;
                changed = _changed.Task;
            }

            if (frames.Count > 0)
            {
                await sse.WriteFramesAsync(frames, cancellationToken);
                next += frames.Count;
            }

            if (ended)
            {
                return;
            }

            // Taken with the frames above, so an event added since then has already completed it: none is missed.
            await changed.WaitAsync(cancellationToken);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
