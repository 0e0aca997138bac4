using System.Text.Json.Nodes;
using System.Diagnostics.Metrics;
using Gateway.Api.Json;
using Gateway.Api.Storage;

namespace Gateway.Api.Responses;

/// <summary>
/// A response kept for GET /v1/responses/{id} and previous_response_id, as JSON text: immutable, so concurrent
/// requests read it without sharing a mutable node (each parses its own copy). Only its event log grows, and that is
/// safe to share (<see cref="ResponseEventLog"/>).
/// </summary>
/// <param name="Response">The response object as it was returned.</param>
/// <param name="Conversation">Its messages (no instructions) and its output as messages: what a response continuing it starts from.</param>
/// <param name="InputItems">Its request's input items, with ids (<c>GET /v1/responses/{id}/input_items</c>).</param>
/// <param name="Status">The response's status when stored (queued and in_progress for a background run not yet done).</param>
/// <param name="Events">The events of a response created with background and stream (<c>GET /v1/responses/{id}?stream=true</c>); null for any other.</param>
public sealed record StoredResponse(string Response, string Conversation, string InputItems, string Status, ResponseEventLog? Events)
{
    /// <summary>Characters of all three, and the event log's bytes: what the store counts against its budget.</summary>
    public long Size => Response.Length + Conversation.Length + InputItems.Length + (Events?.Bytes ?? 0);

    public JsonArray ParseConversation() => (JsonArray)JsonNode.Parse(Conversation)!;

    public JsonArray ParseInputItems() => (JsonArray)JsonNode.Parse(InputItems)!;
}

/// <summary>
/// The responses the gateway keeps in memory (Responses API <c>store</c>, true by default), the most recent first to
/// stay: at most <see cref="MaxResponses"/> of them and <see cref="MaxChars"/> characters of JSON (with the event logs
/// of responses created with background and stream, counted as they grow), older ones forgotten (a GET or
/// previous_response_id naming one is then a 404, as for an id never stored). One gateway's memory: replicas behind a
/// load balancer do not share it.
/// </summary>
public sealed class ResponseStore
{
    public const int MaxResponses = 1000;

    /// <summary>64 Mi characters: about 64 MiB of ASCII-heavy JSON (twice that in UTF-16).</summary>
    public const long MaxChars = 64L * 1024 * 1024;

    private readonly BoundedMemoryStore<StoredResponse> _responses = new(MaxResponses, MaxChars, r => r.Size, forgetLeastRecentlyUsed: false);

    /// <summary>The store's occupancy as metrics (what an operator watches to see it fill up and forget).</summary>
    public ResponseStore(IMeterFactory meterFactory) =>
        _responses.PublishOccupancy(meterFactory, "inference:responses_stored", "{response}",
            "Responses the gateway keeps for GET /v1/responses/{id} and previous_response_id");

    public int Count => _responses.Count;

    public long Chars => _responses.Chars;

    public StoredResponse? Find(string id) => _responses.Find(id);

    /// <summary>Keeps (or replaces) response <paramref name="id"/>; a background run passes its event log each time it stores the response.</summary>
    public void Add(string id, JsonObject response, JsonArray conversation, JsonArray inputItems, ResponseEventLog? events = null) =>
        _responses.Add(id, new StoredResponse(
            response.ToJsonString(ApiJson.Options), conversation.ToJsonString(), inputItems.ToJsonString(ApiJson.Options), (string)response["status"]!, events));

    /// <summary>Counts response <paramref name="id"/> again (its event log has grown), forgetting older ones that no longer fit.</summary>
    public void Recount(string id) => _responses.Use(id, static _ => 0, out _);

    public bool Remove(string id) => _responses.Remove(id);
}
