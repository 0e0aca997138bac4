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

        var start = requestStream.Current.Start;
        var text = "";
        var emitted = 0;
        while (await requestStream.MoveNext())
        {
            text += new string([.. requestStream.Current.Ids.Ids.Select(id => (char)id)]);
            var stop = start.Stop.Select(s => (Stop: s, At: text.IndexOf(s, StringComparison.Ordinal))).FirstOrDefault(m => m.At >= 0);
            if (stop.Stop is not null)
            {
                await responseStream.WriteAsync(new DetokenizeResponse { TextDelta = text[emitted..stop.At], Stopped = true, MatchedStop = stop.Stop });
                emitted = text.Length;
                continue;
            }

            // Stop strings here are single characters or absent, so nothing needs holding back.
            await responseStream.WriteAsync(new DetokenizeResponse { TextDelta = text[emitted..] });
            emitted = text.Length;
        }
    }
}
