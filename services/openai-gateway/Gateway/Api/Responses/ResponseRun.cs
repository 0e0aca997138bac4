using System.Text.Json.Nodes;
using Gateway.Api.Chat;
using Gateway.Api.Conversations;
using Gateway.Api.Errors;
using Gateway.Api.Generation;
using Gateway.Api.Reasoning;
using Gateway.Api.Sampling;
using Gateway.Api.Sse;
using Gateway.Api.Tools;
using Gateway.Backends;
using Gateway.Observability;
using Grpc.Core;

namespace Gateway.Api.Responses;

/// <summary>
/// One response being generated: the chat request it runs as, started on the engine, its answer collected whole
/// (<see cref="CollectAsync"/>) or streamed as events (<see cref="StreamAsync"/>, <see cref="WriteEventsAsync"/>) into
/// output items, and kept in the store when the request asked for it (<see cref="Keep"/>).
/// </summary>
public sealed class ResponseRun(
    ResponsesRequest request,
    ChatRequest chat,
    ReasoningMode? reasoningMode,
    IGenerationService generation,
    ServedModel servedModel,
    GatewayMetrics metrics,
    TokenTextCache tokenTexts,
    ResponseStore store,
    ConversationStore conversations)
{
    public const string IdPrefix = "resp";

    public ResponsesRequest Request => request;

    /// <summary>Starts the engine's generation (waiting for its first update); its refusals name the Responses API's fields.</summary>
    public async Task<StartedGeneration> StartAsync(CancellationToken cancellationToken, string? id = null)
    {
        id ??= RequestIds.Named(IdPrefix, chat.RequestId);
        try
        {
            return await StartedGeneration.StartAsync(
                generation, servedModel, metrics, IdPrefix, chat.Model, chat.Prompt, chat.Sampling, chat.Priority, cancellationToken, id);
        }
        catch (RpcException e) when (ErrorTable.Describe(e).Error is { Code: < 500, Param: not null } error)
        {
            // The engine names chat's fields (max_tokens); say it in the Responses API's words. Refusals of no field
            // (429 with its Retry-After, 409) go on as they are.
            throw ResponsesRequest.Renamed(new ApiException(error.Code, error.Message, error.Param));
        }
    }

    /// <summary>The whole answer as the response object.</summary>
    public async Task<JsonObject> CollectAsync(StartedGeneration started, ResponseDocument document, CancellationToken cancellationToken)
    {
        var choices = new GenerationChoices(1);
        var reasoningCount = new ReasoningTokenCount();
        await foreach (var update in started.Stream.ReadAllAsync())
        {
            choices.Add(update);
            reasoningCount.Add(update);
        }

        var usage = started.Finished(choices);
        var answer = choices.Choices[0];
        var (reasoning, text) = reasoningMode?.Split(answer.Text) ?? (null, answer.Text);
        var parsed = text is not null && chat.ToolCalls is { } extraction ? extraction.Parse(text) : new ToolCallParseResult(text, []);
        var content = parsed.Calls.Count > 0 ? parsed.Content : text;
        var reasoningTokens = reasoningCount.Of(answer.Text, reasoning is not null);

        var status = ResponseDocument.StatusOf(answer.Finish!.Value);
        var output = new JsonArray();
        if (reasoning is not null)
        {
            output.Add(ResponseDocument.ReasoningItem(ResponseDocument.NewItemId("rs"), reasoning));
        }

        if (content is { Length: > 0 } || (parsed.Calls.Count == 0 && reasoning is null))
        {
            var logprobs = request.IncludeLogprobs ? await LogprobsAsync([.. answer.Tokens.Skip(reasoningTokens)], cancellationToken) : null;
            // Only the last item can have been cut short, as in the streamed answer: a message followed by calls is complete.
            output.Add(ResponseDocument.MessageItem(
                ResponseDocument.NewItemId("msg"),
                parsed.Calls.Count > 0 ? ResponseDocument.Completed : status,
                ResponseDocument.OutputText(content ?? "", logprobs)));
        }

        foreach (var (call, index) in parsed.Calls.Select((c, i) => (c, i)))
        {
            output.Add(ResponseDocument.FunctionCallItem(
                ResponseDocument.NewItemId("fc"), ResponseDocument.NewItemId("call"), call.Name, call.ArgumentsJson,
                index == parsed.Calls.Count - 1 ? status : ResponseDocument.Completed));
        }

        return document.Build(status, output, usage, reasoningTokens);
    }

    /// <summary>The answer as the Responses API's events, sent to the client as it is generated; returns the finished response object.</summary>
    public async Task<JsonObject> StreamAsync(HttpContext http, StartedGeneration started, ResponseDocument document)
    {
        var cancellationToken = http.RequestAborted;
        var sse = new SseWriter(http.Response);
        await sse.StartAsync(cancellationToken);
        var events = NewEventStream(sse, document, cancellationToken);
        http.Features.Set<IStreamErrorWriter>(events);
        await events.StartAsync();
        var response = await WriteEventsAsync(events, started);
        await events.EndAsync(response);
        return response;
    }

    /// <summary>The events of this response, written to <paramref name="writer"/>.</summary>
    public ResponseEventStream NewEventStream(INamedEventWriter writer, ResponseDocument document, CancellationToken cancellationToken)
    {
        Func<IReadOnlyList<GeneratedToken>, Task<JsonArray>>? logprobs = request.IncludeLogprobs
            ? tokens => LogprobsAsync(tokens, cancellationToken)
            : null;
        return new ResponseEventStream(writer, document, logprobs, cancellationToken);
    }

    /// <summary>The answer's items as events, as it is generated; returns the finished response, whose event is not sent yet.</summary>
    public async Task<JsonObject> WriteEventsAsync(ResponseEventStream events, StartedGeneration started)
    {
        var splitter = reasoningMode?.NewStream();
        var filter = chat.ToolCalls?.NewStream();
        var answer = new GenerationChoices(1);
        var reasoningCount = new ReasoningTokenCount();
        await foreach (var update in started.Stream.ReadAllAsync())
        {
            answer.Add(update);
            reasoningCount.Add(update);
            events.AddTokens(update.NewTokens);
            var split = splitter?.Push(update.TextDelta) ?? new ReasoningStep("", update.TextDelta);
            await events.ReasoningAsync(split.Reasoning);
            await ContentAsync(events, filter, split.Content);
            if (update.Finish is not null)
            {
                var rest = splitter?.Complete() ?? new ReasoningStep("", "");
                await events.ReasoningAsync(rest.Reasoning);
                await ContentAsync(events, filter, rest.Content);
                if (filter?.Complete() is var (heldBack, calls, _))
                {
                    await events.TextAsync(heldBack ?? "");
                    await events.CallsAsync(calls);
                }
            }
        }

        var usage = started.Finished(answer);
        var choice = answer.Choices[0];
        var reasoningTokens = reasoningCount.Of(choice.Text, reasoningMode?.Split(choice.Text).Reasoning is not null);
        return await events.FinishAsync(ResponseDocument.StatusOf(choice.Finish!.Value), usage, reasoningTokens);
    }

    /// <summary>
    /// Stores the response (when the request has store true): with its conversation and output as messages, what a
    /// response naming it as previous_response_id continues. A response still running is kept with its input only; one
    /// created with background and stream is kept with its <paramref name="events"/>, each time.
    /// </summary>
    public void Keep(string id, JsonObject response, ResponseEventLog? events = null)
    {
        if (!request.Store)
        {
            return;
        }

        var conversation = (JsonArray)request.Conversation.DeepClone();
        foreach (var message in ResponseItems.ToMessages((JsonArray)response["output"]!.DeepClone(), "output"))
        {
            conversation.Add(message!.DeepClone());
        }

        store.Add(id, response, conversation, request.InputItems, events);
    }

    /// <summary>
    /// Adds the finished response's input items, then its output items, to the conversation it named (whatever its
    /// store). Only an answer is added, complete or cut by max_output_tokens; a failed or cancelled response adds
    /// nothing. A conversation deleted meanwhile takes nothing.
    /// </summary>
    public void AddToConversation(JsonObject response)
    {
        if (request.ConversationId is not { } id || (string?)response["status"] is not (ResponseDocument.Completed or ResponseDocument.Incomplete))
        {
            return;
        }

        var items = (JsonArray)request.InputItems.DeepClone();
        foreach (var item in (JsonArray)response["output"]!)
        {
            items.Add(item!.DeepClone());
        }

        conversations.Append(id, items);
    }

    /// <summary>Tokens' logprobs in output_text's form, with top_logprobs alternatives each.</summary>
    private async Task<JsonArray> LogprobsAsync(IReadOnlyList<GeneratedToken> tokens, CancellationToken cancellationToken)
    {
        var texts = await tokenTexts.GetAsync(tokens.SelectMany(t => t.TopLogprobs.Select(a => a.TokenId).Prepend(t.TokenId)), cancellationToken);
        return ResponseDocument.Logprobs(tokens, texts, chat.TopLogprobs ?? 0);
    }

    private static async Task ContentAsync(ResponseEventStream events, IToolCallStream? filter, string content)
    {
        var step = filter?.Push(content) ?? new ToolStreamStep(content, []);
        await events.TextAsync(step.Content);
        await events.CallsAsync(step.Calls);
    }
}
