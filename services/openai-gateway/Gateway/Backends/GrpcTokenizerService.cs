using Inference.Contracts.Mapping;
using Inference.Abstractions.Text;
using Proto = Inference.Contracts.Tokenizer.V1;

namespace Gateway.Backends;

/// <summary>The edge to the tokenizer service: maps domain calls to protobuf messages and back.</summary>
public sealed class GrpcTokenizerService(Proto.Tokenizer.TokenizerClient client) : ITokenizerService
{
    public async Task PingAsync(DateTime? deadline, CancellationToken cancellationToken) =>
        await client.GetInfoAsync(new Proto.GetInfoRequest(), deadline: deadline, cancellationToken: cancellationToken);

    public async Task<int> GetVocabSizeAsync(CancellationToken cancellationToken) =>
        (await client.GetInfoAsync(new Proto.GetInfoRequest(), cancellationToken: cancellationToken)).VocabSize;

    public async Task<bool> IsChatTemplateOverriddenAsync(CancellationToken cancellationToken) =>
        (await client.GetInfoAsync(new Proto.GetInfoRequest(), cancellationToken: cancellationToken)).ChatTemplateOverridden;

    public async Task<IReadOnlyList<int>> EncodeAsync(
        string text, bool addSpecialTokens, CancellationToken cancellationToken)
    {
        var response = await client.EncodeAsync(
            new Proto.EncodeRequest { Text = text, AddSpecialTokens = addSpecialTokens, ParseSpecialTokens = true },
            cancellationToken: cancellationToken);
        return response.Ids;
    }

    public async Task<string> DecodeAsync(
        IReadOnlyList<int> ids, bool skipSpecialTokens, CancellationToken cancellationToken)
    {
        var response = await client.DecodeAsync(
            new Proto.DecodeRequest { Ids = { ids }, SkipSpecialTokens = skipSpecialTokens },
            cancellationToken: cancellationToken);
        return response.Text;
    }

    public async Task<IReadOnlyList<string>> DecodeEachAsync(
        IReadOnlyList<int> ids, bool skipSpecialTokens, CancellationToken cancellationToken)
    {
        var response = await client.DecodeEachAsync(
            new Proto.DecodeEachRequest { Ids = { ids }, SkipSpecialTokens = skipSpecialTokens },
            cancellationToken: cancellationToken);
        return response.Texts;
    }

    public async Task<IReadOnlyList<string>> ConvertIdsToTokensAsync(IReadOnlyList<int> ids, CancellationToken cancellationToken)
    {
        var response = await client.ConvertIdsToTokensAsync(new Proto.ConvertIdsToTokensRequest { Ids = { ids } }, cancellationToken: cancellationToken);
        return response.Tokens;
    }

    public async Task<IReadOnlyList<int>> ApplyChatTemplateAsync(
        ChatTemplateInput chat, CancellationToken cancellationToken)
    {
        var response = await client.ApplyChatTemplateAsync(
            ChatTemplateMessages.ToProto(chat, tokenize: true), cancellationToken: cancellationToken);
        return response.Ids;
    }
}
