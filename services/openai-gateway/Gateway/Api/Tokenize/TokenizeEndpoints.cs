using Inference.Abstractions.Text;
using Gateway.Api.Chat;
using Gateway.Api.Errors;
using Gateway.Api.Fields;
using Gateway.Api.Json;
using Gateway.Backends;
using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Tokenize;

/// <summary>vLLM's <c>POST /tokenize</c> and <c>POST /detokenize</c>, served by the tokenizer service.</summary>
public static class TokenizeEndpoints
{
    public static async Task<IResult> TokenizeAsync(
        HttpContext http, ITokenizerService tokenizer, ServedModel servedModel, IOptions<GatewayOptions> options)
    {
        var cancellationToken = http.RequestAborted;
        var fields = await RequestBody.ReadObjectAsync(http.Request, cancellationToken);
        ApiFieldTable.Enforce(fields, ApiEndpoints.Tokenize);
        var model = await servedModel.ResolveAsync(fields.String("model"), cancellationToken);

        IReadOnlyList<int> ids;
        if (fields.Raw(ChatMessages.Field) is not null)
        {
            if (fields.Raw("prompt") is not null)
            {
                throw ApiException.BadRequest("send either prompt or messages, not both.", "prompt");
            }

            ids = await tokenizer.ApplyChatTemplateAsync(ChatTemplateFields.Read(fields, options.Value.TrustRequestChatTemplate), cancellationToken);
        }
        else
        {
            // A chat template field beside a prompt would have no effect: the prompt is encoded as it is.
            if (ChatTemplateFields.TemplateOnly.FirstOrDefault(name => fields.Raw(name) is not null) is { } templateField)
            {
                throw ApiException.BadRequest($"{templateField} applies to messages, and this request tokenizes a prompt.", templateField);
            }

            var prompt = fields.String("prompt")
                ?? throw ApiException.BadRequest("prompt or messages is required.", "prompt");
            ids = await tokenizer.EncodeAsync(prompt, fields.Bool("add_special_tokens") ?? true, cancellationToken);
        }

        // vLLM's return_token_strs: each id's token as Hugging Face's convert_ids_to_tokens spells it.
        var tokenStrings = fields.Bool("return_token_strs") == true ? await tokenizer.ConvertIdsToTokensAsync(ids, cancellationToken) : null;
        return Results.Json(
            new TokenizeResponse(ids.Count, model.Info.MaxModelLen, ids, tokenStrings), ApiJson.Context.TokenizeResponse);
    }

    public static async Task<IResult> DetokenizeAsync(
        HttpContext http, ITokenizerService tokenizer, ServedModel servedModel)
    {
        var cancellationToken = http.RequestAborted;
        var fields = await RequestBody.ReadObjectAsync(http.Request, cancellationToken);
        ApiFieldTable.Enforce(fields, ApiEndpoints.Detokenize);
        await servedModel.ResolveAsync(fields.String("model"), cancellationToken);
        if (fields.Raw("tokens") is null)
        {
            throw ApiException.BadRequest("tokens is required.", "tokens");
        }

        var ids = fields.Ints("tokens");
        var vocabSize = await tokenizer.GetVocabSizeAsync(cancellationToken);
        for (var i = 0; i < ids.Count; i++)
        {
            if (ids[i] < 0 || ids[i] >= vocabSize)
            {
                throw ApiException.BadRequest(
                    $"tokens[{i}] is {ids[i]}, outside the vocabulary (ids 0 to {vocabSize - 1}).", "tokens");
            }
        }

        var text = await tokenizer.DecodeAsync(ids, skipSpecialTokens: false, cancellationToken);
        return Results.Json(new DetokenizeResponse(text), ApiJson.Context.DetokenizeResponse);
    }
}
