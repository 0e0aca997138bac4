using Gateway.Api.Generation;
using Gateway.Api.Json;
using Gateway.Api.Sampling;
using Gateway.Api.Sse;
using Gateway.Backends;
using Gateway.Observability;

namespace Gateway.Api.Completions;

/// <summary><c>POST /v1/completions</c>: the legacy text completions API, whole or streamed.</summary>
public static class CompletionsEndpoint
{
    private const string ObjectName = "text_completion";

    public static async Task HandleAsync(
        HttpContext http,
        IGenerationService generation,
        ServedModel servedModel,
        TokenTextCache tokenTexts,
        GatewayMetrics metrics)
    {
        var cancellationToken = http.RequestAborted;
        var fields = await RequestBody.ReadObjectAsync(http.Request, cancellationToken);
        var request = CompletionRequest.Read(fields);
        var model = await servedModel.ResolveAsync(request.Model, cancellationToken);
        var reply = new Reply(RequestIds.New("cmpl"), RequestIds.UnixNow(), model.Name);

        var updates = generation.GenerateAsync(
            new GenerationRequest(reply.Id, request.Prompt, request.Sampling, request.Priority), cancellationToken);
        var timing = metrics.Start(model.Name);
        await using var stream = await GenerationStream.OpenAsync(updates, cancellationToken);
        timing.FirstToken();
        var logprobs = request.Logprobs is { } top ? new CompletionLogprobsBuilder(top) : null;
        if (request.Stream.Stream)
        {
            await StreamAsync(http, stream, timing, reply, logprobs, request.Stream.IncludeUsage, tokenTexts);
        }
        else
        {
            await RespondAsync(http, stream, timing, reply, logprobs, tokenTexts);
        }
    }

    private static async Task RespondAsync(
        HttpContext http,
        GenerationStream stream,
        GatewayMetrics.RequestTiming timing,
        Reply reply,
        CompletionLogprobsBuilder? logprobs,
        TokenTextCache tokenTexts)
    {
        var cancellationToken = http.RequestAborted;
        var answer = new GenerationAccumulator();
        await foreach (var update in stream.ReadAllAsync())
        {
            answer.Add(update);
        }

        var (finish, usage) = answer.RequireFinished();
        timing.Finished(finish, usage);
        var choice = new CompletionChoice(
            0,
            answer.Text,
            logprobs is null ? null : await BuildLogprobsAsync(logprobs, answer.Tokens, tokenTexts, cancellationToken),
            finish.ToOpenAi(),
            answer.StopReason);
        await http.Response.WriteAsJsonAsync(
            reply.Response([choice], UsageDto.From(usage)), ApiJson.Context.CompletionResponse, cancellationToken: cancellationToken);
    }

    private static async Task StreamAsync(
        HttpContext http,
        GenerationStream stream,
        GatewayMetrics.RequestTiming timing,
        Reply reply,
        CompletionLogprobsBuilder? logprobs,
        bool includeUsage,
        TokenTextCache tokenTexts)
    {
        var cancellationToken = http.RequestAborted;
        var sse = new SseWriter(http.Response);
        await sse.StartAsync(cancellationToken);
        var answer = new GenerationAccumulator();
        await foreach (var update in stream.ReadAllAsync())
        {
            answer.Add(update);
            var hasLogprobs = logprobs is not null && update.Tokens.Count > 0;
            if (update.TextDelta.Length == 0 && update.Finish is null && !hasLogprobs)
            {
                continue;
            }

            var choice = new CompletionChoice(
                0,
                update.TextDelta,
                hasLogprobs ? await BuildLogprobsAsync(logprobs!, update.Tokens, tokenTexts, cancellationToken) : null,
                update.Finish?.ToOpenAi(),
                update.StopReason);
            await sse.WriteAsync(reply.Response([choice], null), ApiJson.Context.CompletionResponse, cancellationToken: cancellationToken);
        }

        var (finish, usage) = answer.RequireFinished();
        timing.Finished(finish, usage);
        if (includeUsage)
        {
            await sse.WriteAsync(reply.Response([], UsageDto.From(usage)), ApiJson.Context.CompletionResponse, cancellationToken: cancellationToken);
        }

        await sse.WriteDoneAsync(cancellationToken);
    }

    private static async Task<CompletionLogprobs> BuildLogprobsAsync(
        CompletionLogprobsBuilder builder, IReadOnlyList<SampledToken> tokens, TokenTextCache tokenTexts, CancellationToken cancellationToken)
    {
        var texts = await tokenTexts.GetAsync(CompletionLogprobsBuilder.IdsOf(tokens), cancellationToken);
        return builder.Build(tokens, texts);
    }

    /// <summary>What every response object of one request shares.</summary>
    private sealed record Reply(string Id, long Created, string Model)
    {
        public CompletionResponse Response(IReadOnlyList<CompletionChoice> choices, UsageDto? usage) =>
            new(Id, ObjectName, Created, Model, choices, usage);
    }
}
