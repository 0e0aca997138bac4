using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Proto = Inference.Contracts.Scheduler.V1;

namespace Inference.Contracts.Mapping;

/// <summary>
/// The public embedding boundary (<c>inference.scheduler.v1.Generation.Embed</c>) in both directions: the gateway (client)
/// and the scheduler (server) map requests and results through this one place. Unset proto fields stay unset (null).
/// </summary>
public static class EmbeddingMessages
{
    public static Proto.EmbedRequest ToProto(EmbeddingRequest request)
    {
        var message = new Proto.EmbedRequest
        {
            RequestId = request.RequestId ?? "",
            Priority = request.Priority,
            CacheSalt = request.CacheSalt ?? "",
            LoraName = request.LoraName ?? "",
            Task = request.Task == PoolingTask.Classify ? Proto.PoolingTask.Classify : Proto.PoolingTask.Embed,
        };
        if (request.Dimensions is { } dimensions)
        {
            message.Dimensions = dimensions;
        }

        if (request.Normalize is { } normalize)
        {
            message.Normalize = normalize;
        }

        if (request.TruncatePromptTokens is { } truncate)
        {
            message.TruncatePromptTokens = truncate;
        }

        switch (request.Prompt)
        {
            case TextPrompt text:
                message.Text = text.Text;
                message.AddSpecialTokens = text.AddSpecialTokens;
                message.ParseSpecialTokens = text.ParseSpecialTokens;
                break;
            case TokenIdsPrompt tokens:
                message.TokenIds = new Proto.TokenIds { Ids = { tokens.Ids } };
                break;
            case ChatPrompt chat:
                message.Chat = GenerationMessages.ToProto(chat);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Prompt, "Unknown prompt kind.");
        }

        return message;
    }

    /// <exception cref="GenerationValidationException">No prompt is set.</exception>
    public static EmbeddingRequest ToDomain(Proto.EmbedRequest request)
    {
        Prompt prompt = request.PromptCase switch
        {
            Proto.EmbedRequest.PromptOneofCase.Text => new TextPrompt(
                request.Text, request.ParseSpecialTokens, AddSpecialTokens: !request.HasAddSpecialTokens || request.AddSpecialTokens),
            Proto.EmbedRequest.PromptOneofCase.TokenIds => new TokenIdsPrompt([.. request.TokenIds.Ids]),
            Proto.EmbedRequest.PromptOneofCase.Chat => GenerationMessages.ToDomain(request.Chat),
            _ => throw new GenerationValidationException("prompt", "prompt must be set: one of text, token_ids or chat."),
        };
        return new EmbeddingRequest(
            string.IsNullOrEmpty(request.RequestId) ? null : request.RequestId,
            prompt,
            request.HasDimensions ? request.Dimensions : null,
            request.HasNormalize ? request.Normalize : null,
            request.HasTruncatePromptTokens ? request.TruncatePromptTokens : null,
            request.Priority,
            string.IsNullOrEmpty(request.CacheSalt) ? null : request.CacheSalt,
            string.IsNullOrEmpty(request.LoraName) ? null : request.LoraName,
            request.Task switch
            {
                Proto.PoolingTask.Unspecified or Proto.PoolingTask.Embed => PoolingTask.Embed,
                Proto.PoolingTask.Classify => PoolingTask.Classify,
                _ => throw new GenerationValidationException("task", $"task {(int)request.Task} is not a pooling task: send EMBED or CLASSIFY."),
            });
    }

    public static Proto.EmbedResponse ToProto(EmbeddingResult result) => new()
    {
        RequestId = result.RequestId,
        Embedding = { result.Embedding },
        PromptTokens = result.PromptTokens,
        CachedPromptTokens = result.CachedPromptTokens,
    };

    public static EmbeddingResult ToDomain(Proto.EmbedResponse response) =>
        new(response.RequestId, [.. response.Embedding], response.PromptTokens, response.CachedPromptTokens);
}
