using System.Text.Json.Nodes;
using Gateway.Api.Errors;
using Gateway.Api.Generation;
using Gateway.Api.Json;
using Gateway.Api.Reasoning;
using Gateway.Api.Sse;
using Gateway.Api.Tools;
using Gateway.Backends;
using Gateway.Observability;
using Grpc.Core;

namespace Gateway.Api.Responses;

/// <summary>
/// OpenAI's Responses API: <c>POST /v1/responses</c> (whole or streamed) runs the request as a chat completion
/// (<see cref="ResponsesRequest"/>) and returns its answer as output items: the reasoning a reasoning parser splits
/// off, the message, the function calls parsed out of it. <c>GET</c> and <c>DELETE /v1/responses/{id}</c> read and
/// forget what <see cref="ResponseStore"/> kept, <c>GET /v1/responses/{id}/input_items</c> lists its input.
/// </summary>
public static class ResponsesEndpoint
{
    private const string IdPrefix = "resp";

    public static async Task CreateAsync(
        HttpContext http,
        IGenerationService generation,
        ServedModel servedModel,
        TokenTextCache tokenTexts,
        GatewayMetrics metrics,
        ReasoningOutput reasoningOutput,
        ResponseStore store,
        ITokenizerService tokenizer)
    {
        var cancellationToken = http.RequestAborted;
        var fields = await RequestBody.ReadObjectAsync(http.Request, cancellationToken);
        var request = ResponsesRequest.Read(fields, store);
        var chat = reasoningOutput.Prepare(request.TruncateAuto
            ? await ResponseTruncation.FitAsync(request.Chat, request.MaxOutputTokens, tokenizer, servedModel, cancellationToken)
            : request.Chat);
        StartedGeneration started;
        try
        {
            started = await StartedGeneration.StartAsync(
                generation, servedModel, metrics, IdPrefix, chat.Model, chat.Prompt, chat.Sampling, chat.Priority, cancellationToken);
        }
        catch (RpcException e) when (ErrorTable.Describe(e).Error is { Code: < 500 } error)
        {
            // The engine names chat's fields (max_tokens); say it in the Responses API's words.
            throw ResponsesRequest.Renamed(new ApiException(error.Code, error.Message, error.Param));
        }

        await using (started)
        {
            var document = new ResponseDocument(request, started.Id, started.Created, started.Model);
            var reasoning = reasoningOutput.For(chat);
            var response = request.Stream
                ? await StreamAsync(http, started, chat, request, document, reasoning, tokenTexts)
                : await RespondAsync(http, started, chat, request, document, reasoning, tokenTexts);
            if (request.Store)
            {
                var conversation = (JsonArray)request.Conversation.DeepClone();
                foreach (var message in ResponseItems.ToMessages((JsonArray)response["output"]!.DeepClone(), "output"))
                {
                    conversation.Add(message!.DeepClone());
                }

                store.Add(started.Id, response, conversation, request.InputItems);
            }
        }
    }

    public static IResult Retrieve(string id, ResponseStore store) =>
        store.Find(id) is { } stored
            ? Results.Text(stored.Response, "application/json")
            : throw NotFound(id);

    public static IResult Delete(string id, ResponseStore store) =>
        store.Remove(id)
            ? Results.Text(new JsonObject { ["id"] = id, ["object"] = "response", ["deleted"] = true }.ToJsonString(), "application/json")
            : throw NotFound(id);

    /// <summary>
    /// <c>GET /v1/responses/{id}/input_items</c>: the stored response's input items, as OpenAI pages them: order desc
    /// (default, newest first) or asc, limit 1 to 100 (default 20), after an item id.
    /// </summary>
    public static IResult ListInputItems(string id, string? order, int? limit, string? after, ResponseStore store)
    {
        var stored = store.Find(id) ?? throw NotFound(id);
        if (order is not (null or "asc" or "desc"))
        {
            throw ApiException.BadRequest($"order must be asc or desc, got \"{order}\".", "order");
        }

        if (limit is < 1 or > 100)
        {
            throw ApiException.BadRequest($"limit must be in [1, 100], got {limit}.", "limit");
        }

        var items = stored.ParseInputItems().Select(i => (JsonObject)i!).ToList();
        if (order != "asc")
        {
            items.Reverse();
        }

        if (after is not null)
        {
            var at = items.FindIndex(i => (string?)i["id"] == after);
            if (at < 0)
            {
                throw ApiException.BadRequest($"after names no input item of response '{id}': \"{after}\".", "after");
            }

            items = items[(at + 1)..];
        }

        var page = items.Take(limit ?? 20).Select(i => (JsonNode)i.DeepClone()).ToArray();
        var list = new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(page),
            ["first_id"] = page.Length > 0 ? (string?)page[0]["id"] : null,
            ["last_id"] = page.Length > 0 ? (string?)page[^1]["id"] : null,
            ["has_more"] = items.Count > page.Length,
        };
        return Results.Text(list.ToJsonString(ApiJson.Options), "application/json");
    }

    private static ApiException NotFound(string id) =>
        new(StatusCodes.Status404NotFound, $"Response with id '{id}' not found (never stored, stored with store false, deleted, or forgotten).", "response_id");

    private static async Task<JsonObject> RespondAsync(
        HttpContext http,
        StartedGeneration started,
        Chat.ChatRequest chat,
        ResponsesRequest request,
        ResponseDocument document,
        ReasoningMode? reasoningMode,
        TokenTextCache tokenTexts)
    {
        var cancellationToken = http.RequestAborted;
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
            var logprobs = request.IncludeLogprobs ? await LogprobsAsync([.. answer.Tokens.Skip(reasoningTokens)], chat, tokenTexts, cancellationToken) : null;
            output.Add(ResponseDocument.MessageItem(
                ResponseDocument.NewItemId("msg"), status, ResponseDocument.OutputText(content ?? "", logprobs)));
        }

        foreach (var call in parsed.Calls)
        {
            output.Add(ResponseDocument.FunctionCallItem(
                ResponseDocument.NewItemId("fc"), ResponseDocument.NewItemId("call"), call.Name, call.ArgumentsJson, ResponseDocument.Completed));
        }

        var response = document.Build(status, output, usage, reasoningTokens);
        await Results.Text(response.ToJsonString(ApiJson.Options), "application/json").ExecuteAsync(http);
        return response;
    }

    private static async Task<JsonObject> StreamAsync(
        HttpContext http,
        StartedGeneration started,
        Chat.ChatRequest chat,
        ResponsesRequest request,
        ResponseDocument document,
        ReasoningMode? reasoningMode,
        TokenTextCache tokenTexts)
    {
        var cancellationToken = http.RequestAborted;
        Func<IReadOnlyList<GeneratedToken>, Task<JsonArray>>? logprobs = request.IncludeLogprobs
            ? tokens => LogprobsAsync(tokens, chat, tokenTexts, cancellationToken)
            : null;
        var events = new ResponseEventStream(new SseWriter(http.Response), document, logprobs, cancellationToken);
        http.Features.Set<IStreamErrorWriter>(events);
        await events.StartAsync();

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

        return await events.CompleteAsync(ResponseDocument.StatusOf(choice.Finish!.Value), usage, reasoningTokens);
    }

    /// <summary>Tokens' logprobs in output_text's form, with top_logprobs alternatives each.</summary>
    private static async Task<JsonArray> LogprobsAsync(
        IReadOnlyList<GeneratedToken> tokens, Chat.ChatRequest chat, TokenTextCache tokenTexts, CancellationToken cancellationToken)
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
