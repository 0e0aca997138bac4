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
        GatewayMetrics metrics,
        ITokenizerService tokenizer)
    {
        var cancellationToken = http.RequestAborted;
        var fields = await RequestBody.ReadObjectAsync(http.Request, cancellationToken);
        var request = CompletionRequest.Read(fields);
        await using var batch = await PromptBatch.StartAsync(request.Prompts, prompt => StartedGeneration.StartAsync(
            generation, servedModel, metrics, "cmpl", request.Model, prompt, request.Sampling, request.Priority, cancellationToken));
        var logprobs = request.Logprobs is { } top ? new CompletionLogprobsBuilder(top) : null;
        var echoes = request.Echo ? await EchoTextsAsync(request, tokenizer, cancellationToken) : null;
        if (request.Stream.Stream)
        {
            await StreamAsync(http, batch, logprobs, request.Stream.IncludeUsage, tokenTexts, echoes);
        }
        else
        {
            await RespondAsync(http, batch, request.N, logprobs, tokenTexts, echoes);
        }
    }

    /// <summary>The text each choice echoes, by choice index: its prompt's text (token-id prompts decoded as they are).</summary>
    private static async Task<string[]> EchoTextsAsync(CompletionRequest request, ITokenizerService tokenizer, CancellationToken cancellationToken)
    {
        var echoes = new List<string>();
        foreach (var prompt in request.Prompts)
        {
            var text = prompt switch
            {
                TextPrompt t => t.Text,
                TokenIdsPrompt ids => await tokenizer.DecodeAsync(ids.Ids, skipSpecialTokens: false, cancellationToken),
                _ => throw new InvalidOperationException($"A completions prompt is text or token ids, not {prompt.GetType().Name}."),
            };
            echoes.AddRange(Enumerable.Repeat(text, request.N));
        }

        return [.. echoes];
    }

    /// <param name="n">Choices returned per prompt: the most likely n of the best_of each prompt generated.</param>
    private static async Task RespondAsync(
        HttpContext http,
        PromptBatch batch,
        int n,
        CompletionLogprobsBuilder? logprobs,
        TokenTextCache tokenTexts,
        string[]? echoes)
    {
        var cancellationToken = http.RequestAborted;
        var (generated, usage) = await batch.ReadToEndAsync();
        var answers = BestOf(generated, batch.First.N, n);
        var choices = new List<CompletionChoice>(answers.Count);
        foreach (var (answer, index) in answers.Select((a, i) => (a, i)))
        {
            choices.Add(new CompletionChoice(
                index,
                echoes is null ? answer.Text : echoes[index] + answer.Text,
                logprobs is null ? null : await BuildLogprobsAsync(logprobs, answer.Tokens, tokenTexts, cancellationToken),
                answer.Finish!.Value.ToOpenAi(),
                answer.StopReason));
        }

        await http.Response.WriteAsJsonAsync(
            Response(batch.First, choices, UsageDto.From(usage)), ApiJson.Context.CompletionResponse, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// vLLM's best_of: of each prompt's <paramref name="bestOf"/> sequences (consecutive in <paramref name="generated"/>),
    /// the <paramref name="n"/> with the highest cumulative logprob of their tokens, most likely first.
    /// </summary>
    private static List<GenerationAccumulator> BestOf(IReadOnlyList<GenerationAccumulator> generated, int bestOf, int n) =>
        bestOf == n
            ? [.. generated]
            : [.. generated.Chunk(bestOf).SelectMany(prompt => prompt.OrderByDescending(a => a.Tokens.Sum(t => (double)t.Logprob)).Take(n))];

    private static async Task StreamAsync(
        HttpContext http,
        PromptBatch batch,
        CompletionLogprobsBuilder? logprobs,
        bool includeUsage,
        TokenTextCache tokenTexts,
        string[]? echoes)
    {
        var cancellationToken = http.RequestAborted;
        var sse = new SseWriter(http.Response);
        await sse.StartAsync(cancellationToken);
        var started = batch.First;
        for (var index = 0; echoes is not null && index < echoes.Length; index++)
        {
            var echo = new CompletionChoice(index, echoes[index], null, null, null);
            await sse.WriteAsync(Response(started, [echo], null), ApiJson.Context.CompletionResponse, cancellationToken: cancellationToken);
        }

        await foreach (var (index, update) in batch.ReadAllAsync())
        {
            var hasLogprobs = logprobs is not null && update.NewTokens.Count > 0;
            if (update.TextDelta.Length == 0 && update.Finish is null && !hasLogprobs)
            {
                continue;
            }

            var choice = new CompletionChoice(
                index,
                update.TextDelta,
                hasLogprobs ? await BuildLogprobsAsync(logprobs!, update.NewTokens, tokenTexts, cancellationToken) : null,
                update.Finish?.ToOpenAi(),
                update.StopReason);
            await sse.WriteAsync(Response(started, [choice], null), ApiJson.Context.CompletionResponse, cancellationToken: cancellationToken);
        }

        var usage = batch.Usage!;
        if (includeUsage)
        {
            await sse.WriteAsync(Response(started, [], UsageDto.From(usage)), ApiJson.Context.CompletionResponse, cancellationToken: cancellationToken);
        }

        await sse.WriteDoneAsync(cancellationToken);
    }

    private static async Task<CompletionLogprobs> BuildLogprobsAsync(
        CompletionLogprobsBuilder builder, IReadOnlyList<GeneratedToken> tokens, TokenTextCache tokenTexts, CancellationToken cancellationToken)
    {
        var texts = await tokenTexts.GetAsync(CompletionLogprobsBuilder.IdsOf(tokens), cancellationToken);
        return builder.Build(tokens, texts);
    }

    private static CompletionResponse Response(StartedGeneration started, IReadOnlyList<CompletionChoice> choices, UsageDto? usage) =>
        new(started.Id, ObjectName, started.Created, started.Model, choices, usage);
}
