using Inference.Abstractions.Text;
using Inference.Contracts.Tokenizer.V1;

namespace Scheduler.Service.Adapters;

/// <summary>One request's sequence on the scheduler's <see cref="SharedDetokenizeStream"/>: each push sends its new ids
/// and waits for the text they make certain.</summary>
internal sealed class GrpcIncrementalDetokenizer(SharedDetokenizeStream stream, ulong sequenceId) : IIncrementalDetokenizer
{
    private bool _closed;

    public async ValueTask<DetokenizedDelta> PushAsync(IReadOnlyList<int> ids, bool final, CancellationToken cancellationToken)
    {
        var message = new DetokenizeIds { Final = final };
        message.Ids.AddRange(ids);
        // The tokenizer closes the sequence itself after a final push.
        _closed |= final;
        var response = await stream.PushAsync(sequenceId, message, cancellationToken);
        return new DetokenizedDelta(response.TextDelta, response.Stopped, response.Stopped ? response.MatchedStop : null);
    }

    public ValueTask DisposeAsync()
    {
        if (!_closed)
        {
            _closed = true;
            stream.Close(sequenceId);
        }

        return ValueTask.CompletedTask;
    }
}
