using Gateway.Api.Errors;
using Gateway.Api.Generation;
using Gateway.Api.Json;
using Gateway.Api.Reasoning;
using Gateway.Api.Sampling;
using Gateway.Api.Sse;
using Gateway.Api.Tools;
using Gateway.Backends;
using Gateway.Configuration;
using Microsoft.Extensions.Options;
using Gateway.Observability;
using Grpc.Core;

namespace Gateway.Api.Chat;

/// <summary>
/// <c>POST /v1/chat/completions</c>: chat, whole or streamed, with a reasoning parser's <c>&lt;think&gt;</c> block split
/// off the front (when one is set) and Hermes-style tool calls parsed out of what follows it.
/// </summary>
public static class ChatCompletionsEndpoint
{
    private const string ObjectName = "chat.completion";
    private const string IdPrefix = "chatcmpl";
    private const string ChunkObjectName = "chat.completion.chunk";
    private const string AssistantRole = "assistant";
    private const string MaxTokensField = "max_tokens";
    private const string MaxCompletionTokensField = "max_completion_tokens";

    public static async Task HandleAsync(
        HttpContext http,
        IGenerationService generation,
        ServedModel servedModel,
        TokenTextCache tokenTexts,
        GatewayMetrics metrics,
        ReasoningOutput reasoningOutput,
        IOptions<GatewayOptions> options)
    {
        var cancellationToken = http.RequestAborted;
        var fields = await RequestBody.ReadObjectAsync(http.Request, cancellationToken);
        var request = reasoningOutput.Prepare(ChatRequest.Read(fields, options.Value.TrustRequestChatTemplate));
        await using var started = await StartAsync(generation, servedModel, metrics, request, fields.Raw(MaxCompletionTokensField) is not null, cancellationToken);
        ITokenTexts texts = request.TokensAsIds ? TokenIdTexts.Instance : tokenTexts;
        var reasoning = reasoningOutput.For(request);
        if (request.Stream.Stream)
        {
            await StreamAsync(http, started, request, reasoning, texts);
        }
        else
        {
            await RespondAsync(http, started, request, reasoning, texts);
        }
    }

    /// <summary>
    /// Starts the engine's generation. The engine names the token limit max_tokens; when the client sent it as
    /// max_completion_tokens, its refusals of the limit (below 1, or past the context) name that field instead.
    /// </summary>
    private static async Task<StartedGeneration> StartAsync(
        IGenerationService generation,
        ServedModel servedModel,
        GatewayMetrics metrics,
        ChatRequest request,
        bool sentAsMaxCompletionTokens,
        CancellationToken cancellationToken)
    {
        try
        {
            return await StartedGeneration.StartAsync(
                generation, servedModel, metrics, IdPrefix, request.Model, request.Prompt, request.Sampling, request.Priority, cancellationToken,
                RequestIds.Named(IdPrefix, request.RequestId));
        }
        catch (RpcException e) when (sentAsMaxCompletionTokens && ErrorTable.Describe(e).Error is { Code: < 500, Param: MaxTokensField } error)
        {
            throw new ApiException(
                error.Code, error.Message.Replace(MaxTokensField, MaxCompletionTokensField, StringComparison.Ordinal), MaxCompletionTokensField);
        }
    }

    private static async Task RespondAsync(
        HttpContext http,
        StartedGeneration started,
        ChatRequest request,
        ReasoningMode? reasoningMode,
        ITokenTexts tokenTexts)
    {
        var cancellationToken = http.RequestAborted;
        var (answers, usage) = await started.ReadToEndAsync();
        var choices = new List<ChatChoice>(answers.Count);
        foreach (var (answer, index) in answers.Select((a, i) => (a, i)))
        {
            var (reasoning, text) = reasoningMode?.Split(answer.Text) ?? (null, answer.Text);
            var parsed = text is not null && request.ToolCalls is { } extraction ? extraction.Parse(text) : new ToolCallParseResult(text, []);
            var toolCalls = parsed.Calls.Count > 0 ? parsed.Calls.Select(ToDto).ToArray() : null;
            var finishReason = answer.Finish!.Value.ToOpenAi();
            var content = toolCalls is null ? text : parsed.Content;
            choices.Add(new ChatChoice(
                index,
                new ChatMessageDto(AssistantRole, request.Echo is { } echo ? echo + content : content, toolCalls, reasoning, reasoning),
                await BuildLogprobsAsync(request, answer.Tokens, tokenTexts, cancellationToken),
                request.ToolCalls?.FinishReason(toolCalls is not null, finishReason) ?? finishReason,
                StopReason.Of(answer.Finish, answer.StopReason),
                request.ReturnTokenIds ? [.. answer.Tokens.Select(t => t.TokenId)] : null));
        }

        // vLLM's prompt_logprobs, once per response (choice 0 carries them).
        var promptLogprobs = answers[0].PromptLogprobs is { } positions
            ? PromptLogprobsDto.Build(positions, await tokenTexts.GetAsync(PromptLogprobsDto.IdsOf(positions), cancellationToken))
            : null;
        var response = new ChatCompletionResponse(
            started.Id, ObjectName, started.Created, started.Model, choices, UsageDto.From(usage), PromptLogprobs: promptLogprobs,
            PromptTokenIds: request.ReturnTokenIds ? answers[0].PromptTokenIds : null);
        await http.Response.WriteAsJsonAsync(response, ApiJson.Context.ChatCompletionResponse, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Streams each choice as OpenAI does: a role delta first, then its reasoning and content (and logprobs), and when
    /// that choice finishes, any held-back text and its tool calls, then a delta with its finish reason. Choices interleave.
    /// </summary>
    private static async Task StreamAsync(
        HttpContext http,
        StartedGeneration started,
        ChatRequest request,
        ReasoningMode? reasoningMode,
        ITokenTexts tokenTexts)
    {
        var cancellationToken = http.RequestAborted;
        var sse = new ChatChunkWriter(
            new SseWriter(http.Response), request.Stream.ContinuousUsage ? new ChunkUsage(started.N) : null, request.ReturnTokenIds ? new PendingTokenIds(started.N) : null);
        await sse.StartAsync(cancellationToken);
        // Every choice answers the one prompt; the first update carries its ids.
        sse.Usage?.NotePrompt(0, started.Stream.First);
        for (var index = 0; index < started.N; index++)
        {
            var roleChunk = Chunk(started, index, new ChatDelta(Role: AssistantRole, Content: ""), null, null);
            if (index == 0 && request.ReturnTokenIds)
            {
                // vLLM's return_token_ids: the prompt's ids in the stream's first chunk.
                roleChunk = roleChunk with { PromptTokenIds = started.Stream.First.PromptTokenIds };
            }

            await sse.WriteAsync(roleChunk, cancellationToken);
            if (request.Echo is { Length: > 0 } echo)
            {
                await sse.WriteAsync(Chunk(started, index, new ChatDelta(Content: echo), null, null), cancellationToken);
            }
        }

        var splitters = Enumerable.Range(0, started.N).Select(_ => reasoningMode?.NewStream()).ToArray();
        var filters = Enumerable.Range(0, started.N).Select(_ => request.ToolCalls?.NewStream()).ToArray();
        var answer = new GenerationChoices(started.N);
        await foreach (var update in started.Stream.ReadAllAsync())
        {
            var choice = answer.Add(update);
            var index = update.Index;
            sse.Usage?.Add(index, update);
            sse.TokenIds?.Add(index, update.NewTokens);
            var split = splitters[index]?.Push(update.TextDelta) ?? new ReasoningStep("", update.TextDelta);
            var step = filters[index]?.Push(split.Content) ?? new ToolStreamStep(split.Content, []);
            var logprobs = update.NewTokens.Count > 0
                ? await BuildLogprobsAsync(request, update.NewTokens, tokenTexts, cancellationToken)
                : null;
            var thought = reasoningMode is { Include: true } && split.Reasoning.Length > 0 ? split.Reasoning : null;
            if (step.Content.Length > 0 || thought is not null || logprobs is not null)
            {
                var delta = new ChatDelta(Content: step.Content.Length > 0 || thought is null ? step.Content : null, Reasoning: thought, ReasoningContent: thought);
                await sse.WriteAsync(Chunk(started, index, delta, logprobs, null), cancellationToken);
            }

            if (step.Calls.Count > 0)
            {
                await sse.WriteAsync(Chunk(started, index, new ChatDelta(ToolCalls: ToDeltas(step.Calls)), null, null), cancellationToken);
            }

            if (update.Finish is not null)
            {
                await FinishChoiceAsync(sse, started, index, choice, request.ToolCalls, filters[index], splitters[index], reasoningMode, cancellationToken);
            }
        }

        var usage = started.Finished(answer);
        if (request.Stream.IncludeUsage)
        {
            var usageChunk = new ChatCompletionChunk(
                started.Id, ChunkObjectName, started.Created, started.Model, [], UsageDto.From(usage));
            await sse.WriteAsync(usageChunk, cancellationToken);
        }

        await sse.WriteDoneAsync(cancellationToken);
    }

    /// <summary>
    /// The end of one streamed choice: text the reasoning splitter and the tool-call filter held back, the calls it
    /// parsed, the finish reason.
    /// </summary>
    private static async Task FinishChoiceAsync(
        ChatChunkWriter sse, StartedGeneration started, int index, GenerationAccumulator choice, ToolCallExtraction? toolCalls,
        IToolCallStream? filter, ReasoningStream? splitter, ReasoningMode? reasoningMode, CancellationToken cancellationToken)
    {
        var finishReason = choice.Finish!.Value.ToOpenAi();
        var rest = splitter?.Complete() ?? new ReasoningStep("", "");
        if (rest.Reasoning.Length > 0 && reasoningMode is { Include: true })
        {
            await sse.WriteAsync(Chunk(started, index, ChatDelta.OfReasoning(rest.Reasoning), null, null), cancellationToken);
        }

        if (rest.Content.Length > 0)
        {
            // An answer that ended on the start of a tag ("<thi"): that text was content after all.
            var step = filter?.Push(rest.Content) ?? new ToolStreamStep(rest.Content, []);
            if (step.Content.Length > 0)
            {
                await sse.WriteAsync(Chunk(started, index, new ChatDelta(Content: step.Content), null, null), cancellationToken);
            }

            if (step.Calls.Count > 0)
            {
                await sse.WriteAsync(Chunk(started, index, new ChatDelta(ToolCalls: ToDeltas(step.Calls)), null, null), cancellationToken);
            }
        }

        if (filter is not null)
        {
            var (heldBack, calls, hasCalls) = filter.Complete();
            if (heldBack is { Length: > 0 })
            {
                await sse.WriteAsync(Chunk(started, index, new ChatDelta(Content: heldBack), null, null), cancellationToken);
            }

            if (calls.Count > 0)
            {
                await sse.WriteAsync(Chunk(started, index, new ChatDelta(ToolCalls: ToDeltas(calls)), null, null), cancellationToken);
            }

            finishReason = toolCalls!.FinishReason(hasCalls, finishReason);
        }

        await sse.WriteAsync(Chunk(started, index, new ChatDelta(), null, finishReason, StopReason.Of(choice.Finish, choice.StopReason)), cancellationToken);
    }

    /// <summary>
    /// Writes chat chunks as SSE events; with continuous usage, a one-choice chunk gets that choice's usage so far; with
    /// return_token_ids, the ids generated for that choice since its last chunk (text the reasoning or tool-call filters
    /// held back included, so a choice's chunks' ids put together are all its tokens: its last chunk takes the rest).
    /// </summary>
    private sealed class ChatChunkWriter(SseWriter sse, ChunkUsage? usage, PendingTokenIds? tokenIds)
    {
        public ChunkUsage? Usage => usage;

        public PendingTokenIds? TokenIds => tokenIds;

        public Task StartAsync(CancellationToken cancellationToken) => sse.StartAsync(cancellationToken);

        public Task WriteDoneAsync(CancellationToken cancellationToken) => sse.WriteDoneAsync(cancellationToken);

        public Task WriteAsync(ChatCompletionChunk chunk, CancellationToken cancellationToken)
        {
            if (usage is not null && chunk.Choices is [var only])
            {
                chunk = chunk with { Usage = usage.For(only.Index) };
            }

            if (tokenIds is not null && chunk.Choices is [var choice])
            {
                chunk = chunk with { Choices = [choice with { TokenIds = tokenIds.Take(choice.Index) }] };
            }

            return sse.WriteAsync(chunk, ApiJson.Context.ChatCompletionChunk, cancellationToken);
        }
    }

    private static async Task<ChatLogprobs?> BuildLogprobsAsync(
        ChatRequest request, IReadOnlyList<GeneratedToken> tokens, ITokenTexts tokenTexts, CancellationToken cancellationToken)
    {
        if (request.TopLogprobs is not { } top)
        {
            return null;
        }

        var ids = tokens.SelectMany(t => t.TopLogprobs.Take(top).Select(a => a.TokenId).Prepend(t.TokenId));
        var texts = await tokenTexts.GetAsync(ids, cancellationToken);
        return ChatLogprobsBuilder.Build(tokens, texts, top);
    }

    private static ToolCallDeltaDto[] ToDeltas(IReadOnlyList<ToolCallFragment> fragments) =>
        [.. fragments.Select(f => new ToolCallDeltaDto(f.Index, f.Id, f.Id is null ? null : "function", new FunctionDeltaDto(f.Name, f.Arguments)))];

    private static ToolCallDto ToDto(ParsedToolCall call) =>
        new(RequestIds.New("chatcmpl-tool"), "function", new FunctionCallDto(call.Name, call.ArgumentsJson));

    private static ChatCompletionChunk Chunk(
        StartedGeneration started, int index, ChatDelta delta, ChatLogprobs? logprobs, string? finishReason, StopReason? stopReason = null) =>
        new(started.Id, ChunkObjectName, started.Created, started.Model, [new ChatChunkChoice(index, delta, logprobs, finishReason, stopReason)], null);
}
