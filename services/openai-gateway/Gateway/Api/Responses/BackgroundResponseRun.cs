using System.Text.Json.Nodes;
using Gateway.Api.Chat;
using Gateway.Api.Errors;
using Gateway.Api.Sampling;
using Gateway.Backends;

namespace Gateway.Api.Responses;

/// <summary>
/// A <c>background: true</c> response: stored queued at once, then run by <see cref="BackgroundResponses"/> after its
/// request may have returned: stored in_progress once the engine has started it, then completed or incomplete, failed
/// (with the error), or cancelled. With <c>stream</c> too, its events go to a <see cref="ResponseEventLog"/> kept
/// with it, which the creating request and any <c>GET /v1/responses/{id}?stream=true</c> read: the same events a
/// streamed response sends, beginning queued, and ending with the response as stored.
/// </summary>
public static class BackgroundResponseRun
{
    /// <summary>Stores the response queued and starts its run; returns it queued, and its event log when streamed.</summary>
    public static async Task<(JsonObject Queued, ResponseEventLog? Events)> StartAsync(
        ResponseRun run, ChatRequest chat, ServedModel servedModel, ResponseStore store, BackgroundResponses background, CancellationToken cancellationToken)
    {
        var model = await servedModel.ResolveAsync(chat.Model, cancellationToken);
        var id = RequestIds.Named(ResponseRun.IdPrefix, chat.RequestId) ?? RequestIds.New(ResponseRun.IdPrefix);
        var document = new ResponseDocument(run.Request, id, RequestIds.UnixNow(), model.Name);
        var queued = document.Build(ResponseDocument.Queued, [], null, 0);
        var events = run.Request.Stream ? new ResponseEventLog(() => store.Recount(id)) : null;
        run.Keep(id, queued, events);
        background.Start(id, token => RunAsync(run, id, document, events, token));
        return (queued, events);
    }

    /// <summary>
    /// The run: each status is stored before its event is written (and the answer added to its conversation before the
    /// last event), so a client that has read an event finds the response at least that far along.
    /// </summary>
    private static async Task RunAsync(ResponseRun run, string id, ResponseDocument document, ResponseEventLog? log, CancellationToken token)
    {
        var events = log is null ? null : run.NewEventStream(log, document, token);
        try
        {
            if (events is not null)
            {
                await events.QueuedAsync();
            }

            var response = await AnswerAsync(run, id, document, log, events, token);
            run.Keep(id, response, log);
            run.AddToConversation(response);
            if (events is not null)
            {
                await events.EndAsync(response);
            }
        }
        finally
        {
            // Whatever happened, readers of the log stop waiting for more.
            log?.End();
        }
    }

    /// <summary>The response as it ended: answered, or failed with the error, or cancelled (its output then empty, as stored).</summary>
    private static async Task<JsonObject> AnswerAsync(
        ResponseRun run, string id, ResponseDocument document, ResponseEventLog? log, ResponseEventStream? events, CancellationToken token)
    {
        try
        {
            await using var started = await run.StartAsync(token, id);
            run.Keep(id, document.Build(ResponseDocument.InProgress, [], null, 0), log);
            if (events is null)
            {
                return await run.CollectAsync(started, document, token);
            }

            await events.InProgressAsync();
            return await run.WriteEventsAsync(events, started);
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            return document.Build(ResponseDocument.Cancelled, [], null, 0);
        }
        catch (Exception e)
        {
            return document.Failed(ErrorTable.Describe(e).Error);
        }
    }
}
