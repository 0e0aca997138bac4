using Inference.Abstractions.Generation;
using Inference.Abstractions.Text;
using Proto = Inference.Contracts.Scheduler.V1;

namespace Inference.Contracts.Mapping;

/// <summary>
/// The public generation boundary (<c>inference.scheduler.v1.Generation</c>) in both directions: the gateway (client)
/// and the scheduler (server) map requests and streamed outputs through this one place. Unset proto fields stay
/// unset (null) in the domain, so the engine can apply the model's defaults.
/// </summary>
public static class GenerationMessages
{
    public static Proto.GenerateRequest ToProto(GenerationRequest request)
    {
        var message = new Proto.GenerateRequest
        {
            RequestId = request.RequestId ?? "",
            Sampling = ToSamplingProto(request.Params),
            Stopping = ToStoppingProto(request.Params),
            KeepSpecialTokens = !request.Params.SkipSpecialTokens,
            Priority = request.Priority,
            N = request.Params.N,
            BadWords = { request.Params.BadWords },
            CacheSalt = request.Params.CacheSalt ?? "",
            LoraName = request.Params.LoraName ?? "",
            UseBeamSearch = request.Params.UseBeamSearch,
            Prediction = request.Params.Prediction ?? "",
        };
        if (request.Params.Suffix is { } suffix)
        {
            message.Suffix = suffix;
        }

        if (request.Params.LengthPenalty is { } lengthPenalty)
        {
            message.LengthPenalty = lengthPenalty;
        }

        if (request.Params.TruncatePromptTokens is { } truncate)
        {
            message.TruncatePromptTokens = truncate;
        }

        switch (request.Prompt)
        {
            case TextPrompt text:
                message.Text = text.Text;
                message.ParseSpecialTokens = text.ParseSpecialTokens;
                message.AddSpecialTokens = text.AddSpecialTokens;
                break;
            case TokenIdsPrompt tokens:
                message.TokenIds = new Proto.TokenIds { Ids = { tokens.Ids } };
                break;
            case ChatPrompt chat:
                message.Chat = ToProto(chat);
                break;
            case EmbedsPrompt embeds:
                message.PromptEmbeds = new Proto.PromptEmbeds { Rows = embeds.Rows, Values = FloatBytes.ToByteString(embeds.Values) };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Prompt, "Unknown prompt kind.");
        }

        return message;
    }

    /// <exception cref="GenerationValidationException">prompt_embeds' bytes are not whole float32 values.</exception>
    private static EmbedsPrompt ToDomain(Proto.PromptEmbeds embeds)
    {
        try
        {
            return new EmbedsPrompt(FloatBytes.ToFloats(embeds.Values), embeds.Rows);
        }
        catch (InvalidDataException e)
        {
            throw new GenerationValidationException("prompt_embeds", $"prompt_embeds.values: {e.Message}");
        }
    }

    /// <exception cref="GenerationValidationException">No prompt is set.</exception>
    public static GenerationRequest ToDomain(Proto.GenerateRequest request)
    {
        Prompt prompt = request.PromptCase switch
        {
            Proto.GenerateRequest.PromptOneofCase.Text => new TextPrompt(
                request.Text, request.ParseSpecialTokens, !request.HasAddSpecialTokens || request.AddSpecialTokens),
            Proto.GenerateRequest.PromptOneofCase.TokenIds => new TokenIdsPrompt([.. request.TokenIds.Ids]),
            Proto.GenerateRequest.PromptOneofCase.Chat => ToDomain(request.Chat),
            Proto.GenerateRequest.PromptOneofCase.PromptEmbeds => ToDomain(request.PromptEmbeds),
            _ => throw new GenerationValidationException("prompt", "prompt must be set: one of text, token_ids, chat or prompt_embeds."),
        };
        return new GenerationRequest(NullIfEmpty(request.RequestId), prompt, ParamsOf(request), request.Priority);
    }

    /// <summary>A chat prompt as the Generate and Embed requests carry it.</summary>
    public static Proto.ChatPrompt ToProto(ChatPrompt prompt) => new()
    {
        MessagesJson = prompt.Input.MessagesJson,
        ToolsJson = prompt.Input.ToolsJson ?? "",
        AddGenerationPrompt = prompt.Input.AddGenerationPrompt,
        TemplateKwargsJson = prompt.Input.TemplateKwargsJson ?? "",
        ContinueFinalMessage = prompt.Input.ContinueFinalMessage,
        AddSpecialTokens = prompt.Input.AddSpecialTokens,
        ChatTemplate = prompt.Input.ChatTemplate ?? "",
    };

    public static ChatPrompt ToDomain(Proto.ChatPrompt chat) => new(new ChatTemplateInput(
        chat.MessagesJson,
        NullIfEmpty(chat.ToolsJson),
        chat.AddGenerationPrompt,
        NullIfEmpty(chat.TemplateKwargsJson),
        chat.ContinueFinalMessage,
        chat.AddSpecialTokens,
        NullIfEmpty(chat.ChatTemplate)));

    public static Proto.GenerateResponse ToProto(GenerationOutput output)
    {
        var response = new Proto.GenerateResponse
        {
            RequestId = output.RequestId,
            TextDelta = output.TextDelta,
            FinishReason = ToProto(output.Finish),
            StopReason = output.StopReason ?? "",
            Index = output.Index,
        };
        response.Tokens.AddRange(output.NewTokens.Select(CommonMessages.ToProto));
        if (output.Usage is { } usage)
        {
            response.Usage = new Proto.Usage
            {
                PromptTokens = usage.PromptTokens,
                CompletionTokens = usage.CompletionTokens,
                CachedPromptTokens = usage.CachedPromptTokens,
                PredictionTokens = usage.PredictionTokens,
                AcceptedPredictionTokens = usage.AcceptedPredictionTokens,
            };
        }

        if (output.PromptTokenIds is { } promptIds)
        {
            response.PromptTokenIds.AddRange(promptIds);
        }

        if (output.PromptLogprobs is { } promptLogprobs)
        {
            response.PromptLogprobs = PromptLogprobsMessages.ToProto(firstPosition: 1, promptLogprobs);
        }

        return response;
    }

    public static GenerationOutput ToDomain(Proto.GenerateResponse response) => new(
        response.RequestId,
        [.. response.Tokens.Select(CommonMessages.ToDomain)],
        response.TextDelta,
        response.FinishReason switch
        {
            Proto.FinishReason.Unspecified => null,
            Proto.FinishReason.Stop => FinishReason.Stop,
            Proto.FinishReason.StopString => FinishReason.StopString,
            Proto.FinishReason.Length => FinishReason.Length,
            _ => FinishReason.Abort,
        },
        NullIfEmpty(response.StopReason),
        response.Usage is { } usage
            ? new GenerationUsage(usage.PromptTokens, usage.CompletionTokens, usage.CachedPromptTokens, usage.PredictionTokens, usage.AcceptedPredictionTokens)
            : null,
        response.PromptTokenIds.Count == 0 ? null : [.. response.PromptTokenIds],
        response.Index,
        response.PromptLogprobs is null ? null : PromptLogprobsMessages.ToDomain(response.PromptLogprobs));

    private static Common.V1.SamplingParams ToSamplingProto(GenerationParams p)
    {
        var message = new Common.V1.SamplingParams();
        if (p.Temperature is { } temperature) message.Temperature = temperature;
        if (p.TopP is { } topP) message.TopP = topP;
        if (p.TopK is { } topK) message.TopK = topK;
        if (p.MinP is { } minP) message.MinP = minP;
        if (p.Seed is { } seed) message.Seed = seed;
        if (p.PresencePenalty is { } presence) message.PresencePenalty = presence;
        if (p.FrequencyPenalty is { } frequency) message.FrequencyPenalty = frequency;
        if (p.RepetitionPenalty is { } repetition) message.RepetitionPenalty = repetition;
        if (p.Logprobs != 0) message.Logprobs = p.Logprobs;
        if (p.PromptLogprobs is { } promptLogprobs) message.PromptLogprobs = promptLogprobs;
        CommonMessages.AddTokenConstraints(message, p.LogitBias, p.AllowedTokenIds);
        StructuredOutputMessages.AddTo(message, p.StructuredOutput);
        return message;
    }

    private static Proto.StoppingParams ToStoppingProto(GenerationParams p)
    {
        var message = new Proto.StoppingParams
        {
            MinTokens = p.MinTokens,
            Stop = { p.Stop },
            IncludeStopStrInOutput = p.IncludeStopStrInOutput,
            StopTokenIds = { p.StopTokenIds },
            IgnoreEos = p.IgnoreEos,
        };
        if (p.MaxTokens is { } maxTokens)
        {
            message.MaxTokens = maxTokens;
        }

        return message;
    }

    private static GenerationParams ParamsOf(Proto.GenerateRequest request)
    {
        var s = request.Sampling ?? new Common.V1.SamplingParams();
        var stop = request.Stopping ?? new Proto.StoppingParams();
        return new GenerationParams
        {
            Temperature = s.HasTemperature ? s.Temperature : null,
            TopP = s.HasTopP ? s.TopP : null,
            TopK = s.HasTopK ? s.TopK : null,
            MinP = s.HasMinP ? s.MinP : null,
            Seed = s.HasSeed ? s.Seed : null,
            PresencePenalty = s.HasPresencePenalty ? s.PresencePenalty : null,
            FrequencyPenalty = s.HasFrequencyPenalty ? s.FrequencyPenalty : null,
            RepetitionPenalty = s.HasRepetitionPenalty ? s.RepetitionPenalty : null,
            Logprobs = s.Logprobs,
            PromptLogprobs = s.HasPromptLogprobs ? s.PromptLogprobs : null,
            LogitBias = CommonMessages.LogitBias(s),
            AllowedTokenIds = CommonMessages.AllowedTokenIds(s),
            StructuredOutput = StructuredOutputMessages.ToDomain(s.StructuredOutput),
            MaxTokens = stop.HasMaxTokens ? stop.MaxTokens : null,
            MinTokens = stop.MinTokens,
            Stop = [.. stop.Stop],
            IncludeStopStrInOutput = stop.IncludeStopStrInOutput,
            StopTokenIds = [.. stop.StopTokenIds],
            IgnoreEos = stop.IgnoreEos,
            SkipSpecialTokens = !request.KeepSpecialTokens,
            N = request.N == 0 ? 1 : request.N,
            TruncatePromptTokens = request.HasTruncatePromptTokens ? request.TruncatePromptTokens : null,
            BadWords = [.. request.BadWords],
            CacheSalt = request.CacheSalt.Length > 0 ? request.CacheSalt : null,
            LoraName = request.LoraName.Length > 0 ? request.LoraName : null,
            UseBeamSearch = request.UseBeamSearch,
            LengthPenalty = request.HasLengthPenalty ? request.LengthPenalty : null,
            Prediction = request.Prediction.Length > 0 ? request.Prediction : null,
            Suffix = request.HasSuffix ? request.Suffix : null,
        };
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
