using Inference.Contracts.Mapping;
using Grpc.Core;
using Inference.Abstractions.Text;
using Inference.Contracts.Tokenizer.V1;

namespace Scheduler.Service.Adapters;

/// <summary>The engine's tokenizer, served remotely by <c>inference.tokenizer.v1.Tokenizer</c>.</summary>
public sealed class GrpcTextTokenizer(Tokenizer.TokenizerClient client) : ITextTokenizer
{
    private readonly Lock _detokenizeLock = new();
    private SharedDetokenizeStream? _detokenize;

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

    /// <summary>A sequence on the one detokenize stream that every request shares (opened again after it broke).</summary>
    public ValueTask<IIncrementalDetokenizer> StartDetokenizerAsync(DetokenizerOptions options, CancellationToken cancellationToken)
    {
        var start = new DetokenizeStart
        {
            SkipSpecialTokens = options.SkipSpecialTokens,
            IncludeStopStrInOutput = options.IncludeStopStrInOutput,
            MinTokens = options.MinTokens,
        };
        start.Stop.AddRange(options.Stop);
        lock (_detokenizeLock)
        {
            if (_detokenize is null || _detokenize.IsBroken)
            {
                _detokenize = new SharedDetokenizeStream(client);
            }

            ulong sequenceId;
            try
            {
                sequenceId = _detokenize.Open(start);
            }
            catch (RpcException) when (_detokenize.IsBroken)
            {
                // It broke just now; a fresh stream serves this request.
                _detokenize = new SharedDetokenizeStream(client);
                sequenceId = _detokenize.Open(start);
            }

            return ValueTask.FromResult<IIncrementalDetokenizer>(new GrpcIncrementalDetokenizer(_detokenize, sequenceId));
        }
    }

    /// <summary>Proves the tokenizer service answers (readiness).</summary>
    public async Task<GetInfoResponse> GetInfoAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await client.GetInfoAsync(new GetInfoRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken);
}
