using Inference.Abstractions.Text;
using Tokenizer.Core;
using Tokenizer.Core.Streaming;
using Contracts = Inference.Contracts.Tokenizer.V1;

namespace Tokenizer.Service.Grpc;

/// <summary>
/// The open sequences of one DetokenizeMany stream, each with its own incremental detokenizer. Applies a client
/// message's items in order; a refused item is answered with an error and closes its sequence, never the stream, so
/// one bad request cannot fail the others sharing it.
/// </summary>
internal sealed class DetokenizeSequences(QwenTokenizer tokenizer)
{
    private readonly Dictionary<ulong, IncrementalDetokenizer> _open = [];

    public int Count => _open.Count;

    public Contracts.DetokenizeManyResponse Apply(Contracts.DetokenizeManyRequest request)
    {
        var response = new Contracts.DetokenizeManyResponse();
        foreach (var item in request.Items)
        {
            if (Apply(item) is { } result)
            {
                response.Results.Add(result);
            }
        }

        return response;
    }

    /// <summary>Why a Detokenize start is refused, or null when it is valid.</summary>
    public static string? StartError(Contracts.DetokenizeStart start) =>
        start.MinTokens < 0 ? $"min_tokens must be at least 0, got {start.MinTokens}" : null;

    public static Contracts.DetokenizeResponse ToProto(DetokenizedDelta delta) => new()
    {
        TextDelta = delta.Text,
        Stopped = delta.Stopped,
        MatchedStop = delta.MatchedStop ?? "",
    };

    private Contracts.DetokenizeResult? Apply(Contracts.DetokenizeItem item)
    {
        var id = item.SequenceId;
        switch (item.KindCase)
        {
            case Contracts.DetokenizeItem.KindOneofCase.Start:
                if (_open.ContainsKey(id))
                {
                    _open.Remove(id);
                    return Refused(id, $"sequence {id} is already open");
                }

                if (StartError(item.Start) is { } error)
                {
                    return Refused(id, error);
                }

                var start = item.Start;
                _open[id] = tokenizer.CreateDetokenizer(start.SkipSpecialTokens, start.Stop, start.IncludeStopStrInOutput, start.MinTokens);
                return null;
            case Contracts.DetokenizeItem.KindOneofCase.Ids:
                if (!_open.TryGetValue(id, out var detokenizer))
                {
                    return Refused(id, $"sequence {id} is not open (its first item must be `start`)");
                }

                var delta = detokenizer.Push(item.Ids.Ids, item.Ids.Final);
                if (item.Ids.Final)
                {
                    _open.Remove(id);
                }

                return new Contracts.DetokenizeResult { SequenceId = id, Delta = ToProto(delta) };
            case Contracts.DetokenizeItem.KindOneofCase.Close:
                _open.Remove(id);
                return null;
            default:
                return Refused(id, "an item must be `start`, `ids` or `close`");
        }
    }

    private static Contracts.DetokenizeResult Refused(ulong id, string error) => new() { SequenceId = id, Error = error };
}
