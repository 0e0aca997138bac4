using Grpc.Core;
using Inference.Contracts.Tokenizer.V1;

namespace Scheduler.Tests.Service;

/// <summary>A hand-written tokenizer on the wire: one character per token (id = character code).</summary>
public sealed class FakeTokenizerService : Tokenizer.TokenizerBase
{
    public override Task<GetInfoResponse> GetInfo(GetInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new GetInfoResponse { VocabSize = 1000, EosTokenIds = { 999 }, BosTokenId = -1, MaxInputChars = 10000 });

    public override Task<EncodeResponse> Encode(EncodeRequest request, ServerCallContext context) =>
        Task.FromResult(new EncodeResponse { Ids = { request.Text.Select(c => (int)c) } });

    public override Task<DecodeResponse> Decode(DecodeRequest request, ServerCallContext context) =>
        Task.FromResult(new DecodeResponse { Text = new string([.. request.Ids.Select(id => (char)id)]) });

    public override Task<ApplyChatTemplateResponse> ApplyChatTemplate(ApplyChatTemplateRequest request, ServerCallContext context) =>
        request.MessagesJson == "[]"
            ? throw new RpcException(new Status(StatusCode.InvalidArgument, "messages must not be empty"))
            : Task.FromResult(Rendered($"<{request.MessagesJson}>", request.Tokenize));

    private static ApplyChatTemplateResponse Rendered(string prompt, bool tokenize)
    {
        var response = new ApplyChatTemplateResponse { Prompt = prompt };
        if (tokenize)
        {
            response.Ids.AddRange(prompt.Select(c => (int)c));
        }

        return response;
    }

    public override async Task Detokenize(IAsyncStreamReader<DetokenizeRequest> requestStream,
        IServerStreamWriter<DetokenizeResponse> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext() || requestStream.Current.KindCase != DetokenizeRequest.KindOneofCase.Start)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first message must be start"));
        }

        var sequence = new Sequence(requestStream.Current.Start);
        while (await requestStream.MoveNext())
        {
            await responseStream.WriteAsync(sequence.Push(requestStream.Current.Ids));
        }
    }

    /// <summary>The scheduler's shared stream: each message's items in order, one result per `ids` item.</summary>
    public override async Task DetokenizeMany(IAsyncStreamReader<DetokenizeManyRequest> requestStream,
        IServerStreamWriter<DetokenizeManyResponse> responseStream, ServerCallContext context)
    {
        var open = new Dictionary<ulong, Sequence>();
        await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
        {
            var response = new DetokenizeManyResponse();
            foreach (var item in message.Items)
            {
                switch (item.KindCase)
                {
                    case DetokenizeItem.KindOneofCase.Start:
                        open[item.SequenceId] = new Sequence(item.Start);
                        break;
                    case DetokenizeItem.KindOneofCase.Ids when open.TryGetValue(item.SequenceId, out var sequence):
                        response.Results.Add(new DetokenizeResult { SequenceId = item.SequenceId, Delta = sequence.Push(item.Ids) });
                        break;
                    case DetokenizeItem.KindOneofCase.Ids:
                        response.Results.Add(new DetokenizeResult { SequenceId = item.SequenceId, Error = $"sequence {item.SequenceId} is not open" });
                        break;
                    default:
                        open.Remove(item.SequenceId);
                        break;
                }
            }

            await responseStream.WriteAsync(response);
        }
    }

    /// <summary>One sequence's text so far; stop strings here are single characters or absent, so nothing needs holding back.</summary>
    private sealed class Sequence(DetokenizeStart start)
    {
        private string _text = "";
        private int _emitted;

        public DetokenizeResponse Push(DetokenizeIds ids)
        {
            _text += new string([.. ids.Ids.Select(id => (char)id)]);
            var stop = start.Stop.Select(s => (Stop: s, At: _text.IndexOf(s, StringComparison.Ordinal))).FirstOrDefault(m => m.At >= 0);
            var response = stop.Stop is not null
                ? new DetokenizeResponse { TextDelta = _text[_emitted..stop.At], Stopped = true, MatchedStop = stop.Stop }
                : new DetokenizeResponse { TextDelta = _text[_emitted..] };
            _emitted = _text.Length;
            return response;
        }
    }
}
