using System.Collections.Concurrent;
using Grpc.Core;
using Inference.Contracts.Tokenizer.V1;

namespace Gateway.Tests.Fakes;

/// <summary>
/// A tokenizer whose ids are UTF-16 code units (so expected ids are easy to write), except the fake scheduler's
/// generated ids 100+i, which decode to "tok{i}", and <see cref="EndOfText"/>, a special token.
/// </summary>
public sealed class FakeTokenizer : Tokenizer.TokenizerBase
{
    public const int EndOfText = 151643;

    public ConcurrentQueue<ApplyChatTemplateRequest> TemplateRequests { get; } = new();

    /// <summary>When set, GetInfo answers UNAVAILABLE, as a tokenizer the gateway cannot reach would.</summary>
    public bool Down { get; set; }

    public override Task<GetInfoResponse> GetInfo(GetInfoRequest request, ServerCallContext context) =>
        Down
            ? throw new RpcException(new Status(StatusCode.Unavailable, "tokenizer down"))
            : Task.FromResult(new GetInfoResponse { VocabSize = 151936, EosTokenIds = { EndOfText }, BosTokenId = -1, ChatTemplateOverridden = ChatTemplateOverridden });

    /// <summary>What GetInfo says of the chat template: the operator's (a cross-encoder's score template) or the model's (default).</summary>
    public bool ChatTemplateOverridden { get; set; }

    public override Task<EncodeResponse> Encode(EncodeRequest request, ServerCallContext context) =>
        Task.FromResult(new EncodeResponse { Ids = { request.Text.Select(c => (int)c) } });

    public override Task<DecodeResponse> Decode(DecodeRequest request, ServerCallContext context) =>
        Task.FromResult(new DecodeResponse
        {
            Text = string.Concat(request.Ids
                .Where(id => !(request.SkipSpecialTokens && id == EndOfText))
                .Select(TextOf)),
        });

    /// <summary>DecodeEach calls answered, to count round trips.</summary>
    public int DecodeEachCalls;

    public override Task<DecodeEachResponse> DecodeEach(DecodeEachRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref DecodeEachCalls);
        return Task.FromResult(new DecodeEachResponse
        {
            Texts = { request.Ids.Select(id => request.SkipSpecialTokens && id == EndOfText ? "" : TextOf(id)) },
        });
    }

    public override Task<ApplyChatTemplateResponse> ApplyChatTemplate(
        ApplyChatTemplateRequest request, ServerCallContext context)
    {
        TemplateRequests.Enqueue(request);
        var prompt = "<chat>" + request.MessagesJson;
        return Task.FromResult(new ApplyChatTemplateResponse { Prompt = prompt, Ids = { prompt.Select(c => (int)c) } });
    }

    /// <summary>Hugging Face's spelling of a token: "Ġ" for a leading space, as the byte-level alphabet writes it.</summary>
    public override Task<ConvertIdsToTokensResponse> ConvertIdsToTokens(ConvertIdsToTokensRequest request, ServerCallContext context) =>
        Task.FromResult(new ConvertIdsToTokensResponse { Tokens = { request.Ids.Select(id => TextOf(id).Replace(' ', 'Ġ')) } });

    private static string TextOf(int id) => id switch
    {
        EndOfText => "<|endoftext|>",
        >= 100 and < 200 => $"tok{id - 100}",
        >= 200 and < 300 => $"alt{id - 200}",
        _ => ((char)id).ToString(),
    };
}
