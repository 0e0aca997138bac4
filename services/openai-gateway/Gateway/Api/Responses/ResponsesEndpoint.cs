using System.Text.Json.Nodes;
using Gateway.Api.Conversations;
using Gateway.Api.Errors;
using Gateway.Api.Generation;
using Gateway.Api.Json;
using Gateway.Api.Reasoning;
using Gateway.Api.Sampling;
using Gateway.Api.Sse;
using Gateway.Backends;
using Gateway.Observability;

namespace Gateway.Api.Responses;

/// <summary>
/// OpenAI's Responses API: <c>POST /v1/responses</c> (whole or streamed) runs the request as a chat completion
/// (<see cref="ResponsesRequest"/>) and returns its answer as output items: the reasoning a reasoning parser splits
/// off, the message, the function calls parsed out of it; with background, after the request has returned
/// (<see cref="BackgroundResponseRun"/>). <c>GET</c> and <c>DELETE /v1/responses/{id}</c> read (or stream again) and
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
        ITokenizerService tokenizer,
        BackgroundResponses background,
        ConversationStore conversations)
    {
        var cancellationToken = http.RequestAborted;
        var fields = await RequestBody.ReadObjectAsync(http.Request, cancellationToken);
        var request = ResponsesRequest.Read(fields, store, conversations);
        var chat = reasoningOutput.Prepare(request.TruncateAuto
            ? await ResponseTruncation.FitAsync(request.Chat, request.MaxOutputTokens, tokenizer, servedModel, cancellationToken)
            : request.Chat);
        if (RequestIds.Named(ResponseRun.IdPrefix, chat.RequestId) is { } named && store.Find(named) is not null)
        {
            throw new ApiException(StatusCodes.Status409Conflict, $"request_id names the stored response '{named}': pick another, or DELETE that one first.", "request_id");
        }

        var run = new ResponseRun(request, chat, reasoningOutput.For(chat), generation, servedModel, metrics, tokenTexts, store, conversations);
        if (request.Background)
        {
            var (queued, events) = await BackgroundResponseRun.StartAsync(run, chat, servedModel, store, background, cancellationToken);
            if (events is null)
            {
                await Results.Text(queued.ToJsonString(ApiJson.Options), "application/json").ExecuteAsync(http);
                return;
            }

            // The run is the background's: this request only relays its events, and a client that leaves stops nothing.
            http.Features.Get<RequestDeadline>()?.Lift();
            await events.StreamAsync(new SseWriter(http.Response), startingAfter: null, cancellationToken);
            return;
        }

        await using var started = await run.StartAsync(cancellationToken);
        var document = new ResponseDocument(request, started.Id, started.Created, started.Model);
        JsonObject response;
        if (request.Stream)
        {
            response = await run.StreamAsync(http, started, document);
        }
        else
        {
            response = await run.CollectAsync(started, document, cancellationToken);
            await Results.Text(response.ToJsonString(ApiJson.Options), "application/json").ExecuteAsync(http);
        }

        run.Keep(started.Id, response);
        run.AddToConversation(response);
    }

    /// <summary>
    /// <c>GET /v1/responses/{id}</c>: the stored response; with <c>stream=true</c> its events instead (from after
    /// <c>starting_after</c>), replayed, then live until the last, for a response created with background and stream.
    /// </summary>
    public static async Task RetrieveAsync(HttpContext http, string id, ResponseStore store)
    {
        var query = ResponseRetrieveQuery.Read(http.Request.Query);
        var stored = store.Find(id) ?? throw NotFound(id);
        if (!query.Stream)
        {
            await Results.Text(stored.Response, "application/json").ExecuteAsync(http);
            return;
        }

        var events = stored.Events ?? throw ApiException.BadRequest(
            $"Response '{id}' has no events to stream: only a response created with background and stream true can be streamed again. GET it without stream.", "stream");
        await events.StreamAsync(new SseWriter(http.Response), query.StartingAfter, http.RequestAborted);
    }

    public static IResult Retrieve(string id, ResponseStore store) =>
        store.Find(id) is { } stored
            ? Results.Text(stored.Response, "application/json")
            : throw NotFound(id);

    /// <summary>Forgets a stored response (cancelling it first while it runs in the background).</summary>
    public static async Task<IResult> DeleteAsync(string id, ResponseStore store, BackgroundResponses background)
    {
        await background.CancelAsync(id);
        return store.Remove(id)
            ? Results.Text(new JsonObject { ["id"] = id, ["object"] = "response", ["deleted"] = true }.ToJsonString(), "application/json")
            : throw NotFound(id);
    }

    /// <summary><c>POST /v1/responses/{id}/cancel</c>: stops a background response that is queued or in progress; returns it, cancelled.</summary>
    public static async Task<IResult> CancelAsync(string id, ResponseStore store, BackgroundResponses background)
    {
        if (!await background.CancelAsync(id))
        {
            _ = store.Find(id) ?? throw NotFound(id);
            throw ApiException.BadRequest($"Response '{id}' is not a background response in progress: only those can be cancelled.", "response_id");
        }

        return Retrieve(id, store);
    }

    /// <summary>
    /// <c>GET /v1/responses/{id}/input_items</c>: the stored response's input items, as OpenAI pages them: order desc
    /// (default, newest first) or asc, limit 1 to 100 (default 20), after an item id.
    /// </summary>
    public static IResult ListInputItems(string id, string? order, string? limit, string? after, ResponseStore store)
    {
        var stored = store.Find(id) ?? throw NotFound(id);
        var items = stored.ParseInputItems().Select(i => (JsonObject)i!).ToList();
        var list = ItemListPage.Build(items, order, limit, after, $"response '{id}'");
        return Results.Text(list.ToJsonString(ApiJson.Options), "application/json");
    }

    private static ApiException NotFound(string id) =>
        new(StatusCodes.Status404NotFound, $"Response with id '{id}' not found (never stored, stored with store false, deleted, or forgotten).", "response_id");
}
