using Gateway.Api.Generation;
using Gateway.Api.Json;
using Gateway.Api.Sampling;
using Gateway.Api.Sse;
using Gateway.Backends;
using Gateway.Observability;
using Inference.Abstractions.Execution;

namespace Gateway.Api.Completions;

/// <summary><c>POST /v1/completions</c>: the legacy text completions API, whole or streamed.</summary>
public static class CompletionsEndpoint
{
    private const string ObjectName = "text_completion";
    private const string IdPrefix = "cmpl";

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
        await using var batch = await PromptBatch.StartAsync(request.Prompts, (prompt, p) => StartedGeneration.StartAsync(
            generation, servedModel, metrics, IdPrefix, request.Model, prompt, request.Sampling, request.Priority, cancellationToken,
            RequestIds.Named(IdPrefix, request.RequestId, p)));
        var echoes = request.Echo ? await EchoTextsAsync(request, tokenizer, cancellationToken) : null;
        ITokenTexts texts = request.TokensAsIds ? TokenIdTexts.Instance : tokenTexts;
        if (request.Stream.Stream)
        {
            await StreamAsync(http, batch, request, texts, echoes);
        }
        else
        {
            await RespondAsync(http, batch, request, texts, echoes);
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

    private static async Task RespondAsync(
        HttpContext http,
        PromptBatch batch,
        CompletionRequest request,
        ITokenTexts tokenTexts,
        string[]? echoes)
    {
        var cancellationToken = http.RequestAborted;
        var (generated, usage) = await batch.ReadToEndAsync();
        int bestOf = batch.First.N, n = request.N;
        var answers = BestOf(generated, bestOf, n);
        var choices = new List<CompletionChoice>(answers.Count);
        foreach (var (answer, index) in answers.Select((a, i) => (a, i)))
        {
            // The first sequence of the answer's prompt carries the prompt's ids and logprobs.
            var prompt = generated[index / n * bestOf];
            CompletionLogprobs? logprobs = null;
            if (request.Logprobs is { } top)
            {
                var builder = new CompletionLogprobsBuilder(top);
                var echoed = echoes is null ? null : await EchoLogprobsAsync(builder, prompt.PromptTokenIds, prompt.PromptLogprobs, tokenTexts, cancellationToken);
                var own = await BuildLogprobsAsync(builder, answer.Tokens, tokenTexts, cancellationToken);
                logprobs = echoed is null ? own : echoed.Concat(own);
            }

            choices.Add(new CompletionChoice(
                index,
                echoes is null ? answer.Text : echoes[index] + answer.Text,
                logprobs,
                answer.Finish!.Value.ToOpenAi(),
                StopReason.Of(answer.Finish, answer.StopReason),
                prompt.PromptLogprobs is { } positions ? await PromptLogprobsAsync(positions, tokenTexts, cancellationToken) : null,
                request.ReturnTokenIds ? prompt.PromptTokenIds : null,
                request.ReturnTokenIds ? [.. answer.Tokens.Select(t => t.TokenId)] : null));
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

    /// <summary>
    /// Streams every choice's chunks as they come. With echo, a choice's first chunk is its prompt's text (and, with
    /// logprobs, the prompt's tokens), sent when the choice's first update arrives: the prompt's ids and logprobs come
    /// with the first update of the prompt's choice 0, which precedes its siblings'.
    /// </summary>
    private static async Task StreamAsync(
        HttpContext http,
        PromptBatch batch,
        CompletionRequest request,
        ITokenTexts tokenTexts,
        string[]? echoes)
    {
        var cancellationToken = http.RequestAborted;
        var sse = new SseWriter(http.Response);
        await sse.StartAsync(cancellationToken);
        var started = batch.First;
        var builders = new Dictionary<int, CompletionLogprobsBuilder>();
        var prompts = new Dictionary<int, GenerationOutput>();
        var echoed = new HashSet<int>();
        var sentPromptIds = new HashSet<int>();
        var usage = request.Stream.ContinuousUsage ? new ChunkUsage(request.N) : null;
        await foreach (var (index, update) in batch.ReadAllAsync())
        {
            usage?.Add(index, update);
            CompletionLogprobsBuilder? builder = null;
            if (request.Logprobs is { } top && !builders.TryGetValue(index, out builder))
            {
                builders[index] = builder = new CompletionLogprobsBuilder(top);
            }

            // Every sequence's first update carries its prompt's ids, the first sequence's also the prompt's logprobs.
            if (update.PromptTokenIds is not null
                && (!prompts.TryGetValue(index / request.N, out var known) || known.PromptLogprobs is null))
            {
                prompts[index / request.N] = update;
            }

            if (echoes is not null && echoed.Add(index))
            {
                var prompt = prompts[index / request.N];
                var echoLogprobs = builder is null
                    ? null
                    : await EchoLogprobsAsync(builder, prompt.PromptTokenIds, prompt.PromptLogprobs, tokenTexts, cancellationToken);
                // The echo goes before this update's tokens: its usage counts none of them yet.
                var echoUsage = usage?.For(index) is { } now
                    ? now with { CompletionTokens = 0, TotalTokens = now.PromptTokens }
                    : null;
                var echoPromptIds = request.ReturnTokenIds && sentPromptIds.Add(index) ? prompt.PromptTokenIds : null;
                await sse.WriteAsync(Response(started, [new CompletionChoice(index, echoes[index], echoLogprobs, null, null, PromptTokenIds: echoPromptIds, TokenIds: echoPromptIds is null ? null : [])], echoUsage),
                    ApiJson.Context.CompletionResponse, cancellationToken: cancellationToken);
            }

            var hasLogprobs = builder is not null && update.NewTokens.Count > 0;
            var hasTokenIds = request.ReturnTokenIds && update.NewTokens.Count > 0;
            if (update.TextDelta.Length == 0 && update.Finish is null && !hasLogprobs && !hasTokenIds)
            {
                continue;
            }

            var choice = new CompletionChoice(
                index,
                update.TextDelta,
                hasLogprobs ? await BuildLogprobsAsync(builder!, update.NewTokens, tokenTexts, cancellationToken) : null,
                update.Finish?.ToOpenAi(),
                StopReason.Of(update.Finish, update.StopReason),
                PromptTokenIds: request.ReturnTokenIds && sentPromptIds.Add(index) ? prompts[index / request.N].PromptTokenIds : null,
                TokenIds: request.ReturnTokenIds ? [.. update.NewTokens.Select(t => t.TokenId)] : null);
            await sse.WriteAsync(Response(started, [choice], usage?.For(index)), ApiJson.Context.CompletionResponse, cancellationToken: cancellationToken);
        }

        if (request.Stream.IncludeUsage)
        {
            await sse.WriteAsync(Response(started, [], UsageDto.From(batch.Usage!)), ApiJson.Context.CompletionResponse, cancellationToken: cancellationToken);
        }

        await sse.WriteDoneAsync(cancellationToken);
    }

    /// <summary>The echoed prompt's part of a choice's logprobs.</summary>
    private static async Task<CompletionLogprobs> EchoLogprobsAsync(
        CompletionLogprobsBuilder builder,
        IReadOnlyList<int>? promptIds,
        IReadOnlyList<PromptTokenLogprob>? positions,
        ITokenTexts tokenTexts,
        CancellationToken cancellationToken)
    {
        if (promptIds is null || positions is null)
        {
            throw new InvalidOperationException("The scheduler sent no prompt ids or prompt logprobs for an echo with logprobs.");
        }

        var texts = await tokenTexts.GetAsync(PromptLogprobsDto.IdsOf(positions).Prepend(promptIds[0]), cancellationToken);
        return builder.BuildPrompt(promptIds, positions, texts);
    }

    private static async Task<List<Dictionary<string, PromptLogprobDto>?>> PromptLogprobsAsync(
        IReadOnlyList<PromptTokenLogprob> positions, ITokenTexts tokenTexts, CancellationToken cancellationToken) =>
        PromptLogprobsDto.Build(positions, await tokenTexts.GetAsync(PromptLogprobsDto.IdsOf(positions), cancellationToken));

    private static async Task<CompletionLogprobs> BuildLogprobsAsync(
        CompletionLogprobsBuilder builder, IReadOnlyList<GeneratedToken> tokens, ITokenTexts tokenTexts, CancellationToken cancellationToken)
    {
        var texts = await tokenTexts.GetAsync(CompletionLogprobsBuilder.IdsOf(tokens), cancellationToken);
        return builder.Build(tokens, texts);
    }

    private static CompletionResponse Response(StartedGeneration started, IReadOnlyList<CompletionChoice> choices, UsageDto? usage) =>
        new(started.Id, ObjectName, started.Created, started.Model, choices, usage);
}
