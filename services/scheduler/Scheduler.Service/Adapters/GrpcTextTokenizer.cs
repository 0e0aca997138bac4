using Inference.Contracts.Mapping;
using Grpc.Core;
using Inference.Abstractions.Text;
using Inference.Contracts.Tokenizer.V1;

namespace Scheduler.Service.Adapters;

/// <summary>The engine's tokenizer, served remotely by <c>inference.tokenizer.v1.Tokenizer</c>.</summary>
public sealed class GrpcTextTokenizer(Tokenizer.TokenizerClient client) : ITextTokenizer
{
    public async ValueTask<IReadOnlyList<int>> EncodeAsync(string text, bool parseSpecialTokens, bool addSpecialTokens, CancellationToken cancellationToken)
    {
        var response = await client.EncodeAsync(
            new EncodeRequest { Text = text, ParseSpecialTokens = parseSpecialTokens, AddSpecialTokens = addSpecialTokens },
            cancellationToken: cancellationToken);
        return [.. response.Ids];
    }

    public async ValueTask<string> DecodeAsync(IReadOnlyList<int> ids, bool skipSpecialTokens, CancellationToken cancellationToken)
    {
        var request = new DecodeRequest { SkipSpecialTokens = skipSpecialTokens };
        request.Ids.AddRange(ids);
        var response = await client.DecodeAsync(request, cancellationToken: cancellationToken);
        return response.Text;
    }

    /// <summary>One round trip: the tokenizer renders and encodes (tokenize = true).</summary>
    public async ValueTask<IReadOnlyList<int>> EncodeChatAsync(ChatTemplateInput input, CancellationToken cancellationToken)
    {
        var request = ChatTemplateMessages.ToProto(input, tokenize: true);
        try
        {
            var response = await client.ApplyChatTemplateAsync(request, cancellationToken: cancellationToken);
            return [.. response.Ids];
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            throw new ChatTemplateException(ex.Status.Detail, ex);
        }
    }

    public async ValueTask<IIncrementalDetokenizer> StartDetokenizerAsync(DetokenizerOptions options, CancellationToken cancellationToken)
    {
        var call = client.Detokenize(cancellationToken: cancellationToken);
        var start = new DetokenizeStart
        {
            SkipSpecialTokens = options.SkipSpecialTokens,
            IncludeStopStrInOutput = options.IncludeStopStrInOutput,
            MinTokens = options.MinTokens,
        };
        start.Stop.AddRange(options.Stop);
        try
        {
            await call.RequestStream.WriteAsync(new DetokenizeRequest { Start = start }, cancellationToken);
        }
        catch
        {
            call.Dispose();
            throw;
        }

        return new GrpcIncrementalDetokenizer(call);
    }

    /// <summary>Proves the tokenizer service answers (readiness).</summary>
    public async Task<GetInfoResponse> GetInfoAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await client.GetInfoAsync(new GetInfoRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken);
}
