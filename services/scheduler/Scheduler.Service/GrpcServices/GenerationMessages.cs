using Inference.Abstractions.Text;
using Scheduler.Core;
using Proto = Inference.Contracts.Scheduler.V1;

namespace Scheduler.Service.GrpcServices;

/// <summary>Maps <c>inference.scheduler.v1</c> generation messages to the engine's domain types and back,
/// applying the proto's "0 means default" conventions.</summary>
internal static class GenerationMessages
{
    public static GenerationRequest ToDomain(Proto.GenerateRequest request)
    {
        Prompt prompt = request.PromptCase switch
        {
            Proto.GenerateRequest.PromptOneofCase.Text => new TextPrompt(request.Text, request.ParseSpecialTokens),
            Proto.GenerateRequest.PromptOneofCase.TokenIds => new TokenIdsPrompt([.. request.TokenIds.Ids]),
            Proto.GenerateRequest.PromptOneofCase.Chat => new ChatPrompt(new ChatTemplateInput(
                request.Chat.MessagesJson,
                NullIfEmpty(request.Chat.ToolsJson),
                request.Chat.AddGenerationPrompt,
                NullIfEmpty(request.Chat.TemplateKwargsJson))),
            _ => throw new GenerationValidationException("prompt", "prompt must be set: one of text, token_ids or chat."),
        };
        return new GenerationRequest(NullIfEmpty(request.RequestId), prompt, ToDomain(request.Sampling ?? new Proto.SamplingParams()), request.Priority);
    }

    public static GenerationParams ToDomain(Proto.SamplingParams s) => new()
    {
        MaxTokens = s.MaxTokens == 0 ? null : s.MaxTokens,
        Temperature = s.Temperature,
        TopP = s.TopP == 0f ? 1f : s.TopP,
        TopK = s.TopK,
        MinP = s.MinP,
        Seed = s.HasSeed ? s.Seed : null,
        Stop = [.. s.Stop],
        StopTokenIds = [.. s.StopTokenIds],
        IgnoreEos = s.IgnoreEos,
        Logprobs = s.Logprobs,
        PresencePenalty = s.PresencePenalty,
        FrequencyPenalty = s.FrequencyPenalty,
        RepetitionPenalty = s.RepetitionPenalty == 0f ? 1f : s.RepetitionPenalty,
        IncludeStopStrInOutput = s.IncludeStopStrInOutput,
        SkipSpecialTokens = !s.KeepSpecialTokens,
        MinTokens = s.MinTokens,
    };

    public static Proto.GenerateResponse ToProto(GenerationOutput output)
    {
        var response = new Proto.GenerateResponse
        {
            RequestId = output.RequestId,
            TextDelta = output.TextDelta,
            FinishReason = ToProto(output.Finish),
            StopReason = output.StopReason ?? "",
        };
        foreach (var token in output.NewTokens)
        {
            var message = new Proto.GeneratedToken { TokenId = token.TokenId, Logprob = token.Logprob };
            message.TopLogprobs.AddRange(token.TopLogprobs.Select(t => new Proto.TokenLogprob { TokenId = t.TokenId, Logprob = t.Logprob }));
            response.Tokens.Add(message);
        }

        if (output.Usage is { } usage)
        {
            response.Usage = new Proto.Usage
            {
                PromptTokens = usage.PromptTokens,
                CompletionTokens = usage.CompletionTokens,
                CachedPromptTokens = usage.CachedPromptTokens,
            };
        }

        if (output.PromptTokenIds is { } promptIds)
        {
            response.PromptTokenIds.AddRange(promptIds);
        }

        return response;
    }

    private static Proto.FinishReason ToProto(FinishReason? reason) => reason switch
    {
        null => Proto.FinishReason.Unspecified,
        FinishReason.Stop => Proto.FinishReason.Stop,
        FinishReason.Length => Proto.FinishReason.Length,
        FinishReason.StopString => Proto.FinishReason.StopString,
        FinishReason.Abort => Proto.FinishReason.Abort,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
