using Inference.Abstractions.Execution;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Proto = Inference.Contracts.Scheduler.V1;

namespace Gateway.Backends;

/// <summary>The edge to the scheduler: maps domain requests to protobuf messages and back.</summary>
public sealed class SchedulerGenerationService(Proto.Generation.GenerationClient client) : IGenerationService
{
    public async IAsyncEnumerable<GenerationUpdate> GenerateAsync(
        GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Disposing the call (early exit, client disconnect) cancels it, which aborts the request in the scheduler.
        using var call = client.Generate(ToProto(request), cancellationToken: cancellationToken);
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            yield return FromProto(response);
        }
    }

    public async Task<ModelInfo> GetModelInfoAsync(DateTime? deadline, CancellationToken cancellationToken)
    {
        var info = await client.GetModelInfoAsync(
            new Proto.GetModelInfoRequest(), deadline: deadline, cancellationToken: cancellationToken);
        return new ModelInfo(info.ModelName, info.MaxModelLen, info.VocabSize, info.NumWorkers);
    }

    public async Task<SchedulerStatus> GetStatusAsync(DateTime? deadline, CancellationToken cancellationToken)
    {
        var status = await client.GetStatusAsync(
            new Proto.GetStatusRequest(), deadline: deadline, cancellationToken: cancellationToken);
        return new SchedulerStatus(
            status.Ready,
            status.NotReadyReasons.ToArray(),
            status.Workers.Count(w => w.State == Proto.WorkerState.Ready));
    }

    internal static Proto.GenerateRequest ToProto(GenerationRequest request)
    {
        var message = new Proto.GenerateRequest
        {
            RequestId = request.RequestId ?? "",
            Sampling = ToProto(request.Params),
            Priority = request.Priority,
        };
        switch (request.Prompt)
        {
            case TextPrompt text:
                message.Text = text.Text;
                message.ParseSpecialTokens = text.ParseSpecialTokens;
                break;
            case TokenIdsPrompt tokens:
                message.TokenIds = new Proto.TokenIds { Ids = { tokens.Ids } };
                break;
            case ChatPrompt { Input: var chat }:
                message.Chat = new Proto.ChatPrompt
                {
                    MessagesJson = chat.MessagesJson,
                    ToolsJson = chat.ToolsJson ?? "",
                    AddGenerationPrompt = chat.AddGenerationPrompt,
                    TemplateKwargsJson = chat.TemplateKwargsJson ?? "",
                };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Prompt, "Unknown prompt kind.");
        }

        return message;
    }

    private static Proto.SamplingParams ToProto(GenerationParams sampling)
    {
        var message = new Proto.SamplingParams
        {
            MaxTokens = sampling.MaxTokens ?? 0,
            Temperature = sampling.Temperature,
            TopP = sampling.TopP,
            TopK = sampling.TopK,
            MinP = sampling.MinP,
            Stop = { sampling.Stop },
            StopTokenIds = { sampling.StopTokenIds },
            IgnoreEos = sampling.IgnoreEos,
            Logprobs = sampling.Logprobs,
            PresencePenalty = sampling.PresencePenalty,
            FrequencyPenalty = sampling.FrequencyPenalty,
            RepetitionPenalty = sampling.RepetitionPenalty,
            IncludeStopStrInOutput = sampling.IncludeStopStrInOutput,
            KeepSpecialTokens = !sampling.SkipSpecialTokens,
            MinTokens = sampling.MinTokens,
        };
        if (sampling.Seed is { } seed)
        {
            message.Seed = seed;
        }

        return message;
    }

    internal static GenerationUpdate FromProto(Proto.GenerateResponse response) => new(
        response.TextDelta,
        response.Tokens.Select(t => new GeneratedToken(
            t.TokenId,
            t.Logprob,
            t.TopLogprobs.Select(a => new TokenLogprob(a.TokenId, a.Logprob)).ToArray())).ToArray(),
        response.FinishReason switch
        {
            Proto.FinishReason.Unspecified => null,
            Proto.FinishReason.Stop => FinishReason.Stop,
            Proto.FinishReason.StopString => FinishReason.StopString,
            Proto.FinishReason.Length => FinishReason.Length,
            _ => FinishReason.Abort,
        },
        string.IsNullOrEmpty(response.StopReason) ? null : response.StopReason,
        response.Usage is { } usage
            ? new GenerationUsage(usage.PromptTokens, usage.CompletionTokens, usage.CachedPromptTokens)
            : null);
}
