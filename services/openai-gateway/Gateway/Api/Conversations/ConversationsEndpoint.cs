using System.Text.Json.Nodes;
using Gateway.Api.Errors;
using Gateway.Api.Fields;
using Gateway.Api.Json;
using Gateway.Api.Responses;

namespace Gateway.Api.Conversations;

/// <summary>
/// OpenAI's Conversations API over <see cref="ConversationStore"/>: <c>/v1/conversations</c> creates one (with up to
/// 20 items and metadata), <c>/v1/conversations/{id}</c> reads, updates (metadata) and deletes it, and
/// <c>/v1/conversations/{id}/items</c> lists (paged as a response's input items), adds, reads and deletes its items.
/// A response naming the conversation reads its items first and adds its own input and output after.
/// </summary>
public static class ConversationsEndpoint
{
    public static async Task<IResult> CreateAsync(HttpContext http, ConversationStore store)
    {
        var fields = await RequestBody.ReadObjectAsync(http.Request, http.RequestAborted);
        var metadata = MetadataField.Read(fields) ?? [];
        var items = ConversationFields.Items(fields, required: false);
        return Json(store.Create(metadata, items));
    }

    public static IResult Retrieve(string id, ConversationStore store) =>
        Json(store.Find(id) ?? throw NotFound(id));

    /// <summary><c>POST /v1/conversations/{id}</c>: replaces the metadata (OpenAI's update takes nothing else).</summary>
    public static async Task<IResult> UpdateAsync(string id, HttpContext http, ConversationStore store)
    {
        var fields = await RequestBody.ReadObjectAsync(http.Request, http.RequestAborted);
        var metadata = MetadataField.Read(fields) ?? throw ApiException.BadRequest("metadata is required.", MetadataField.Name);
        return Json(store.Update(id, metadata) ?? throw NotFound(id));
    }

    public static IResult Delete(string id, ConversationStore store) =>
        store.Remove(id)
            ? Json(new JsonObject { ["id"] = id, ["object"] = "conversation.deleted", ["deleted"] = true })
            : throw NotFound(id);

    /// <summary>
    /// <c>GET /v1/conversations/{id}/items</c>: order desc (OpenAI's default, newest first) or asc, limit 1 to 100
    /// (default 20), after an item id.
    /// </summary>
    public static IResult ListItems(string id, string? order, string? limit, string? after, ConversationStore store)
    {
        var items = store.Items(id) ?? throw NotFound(id);
        return Json(ItemListPage.Build(items, order, limit, after, $"conversation '{id}'"));
    }

    /// <summary><c>POST /v1/conversations/{id}/items</c>: adds up to 20 items; returns them, with their ids, as a list.</summary>
    public static async Task<IResult> AddItemsAsync(string id, HttpContext http, ConversationStore store)
    {
        var fields = await RequestBody.ReadObjectAsync(http.Request, http.RequestAborted);
        var items = ConversationFields.Items(fields, required: true);
        if (!store.Append(id, items))
        {
            throw NotFound(id);
        }

        return Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = items.DeepClone(),
            ["first_id"] = items.Count > 0 ? (string?)items[0]!["id"] : null,
            ["last_id"] = items.Count > 0 ? (string?)items[^1]!["id"] : null,
            ["has_more"] = false,
        });
    }

    public static IResult RetrieveItem(string id, string itemId, ConversationStore store)
    {
        var items = store.Items(id) ?? throw NotFound(id);
        return Json(items.Find(i => (string?)i["id"] == itemId) ?? throw ItemNotFound(id, itemId));
    }

    /// <summary><c>DELETE /v1/conversations/{id}/items/{item_id}</c>: returns the conversation, as OpenAI's does.</summary>
    public static IResult DeleteItem(string id, string itemId, ConversationStore store) =>
        store.RemoveItem(id, itemId) switch
        {
            null => throw NotFound(id),
            false => throw ItemNotFound(id, itemId),
            true => Json(store.Find(id) ?? throw NotFound(id)),
        };

    /// <summary>The 404 for an unknown conversation, here and for the Responses API's conversation field.</summary>
    public static ApiException NotFound(string id, string param = "conversation_id") =>
        new(StatusCodes.Status404NotFound, $"Conversation with id '{id}' not found (never created, deleted, or forgotten).", param);

    private static ApiException ItemNotFound(string id, string itemId) =>
        new(StatusCodes.Status404NotFound, $"Item with id '{itemId}' not found in conversation '{id}'.", "item_id");

    private static IResult Json(JsonObject body) => Results.Text(body.ToJsonString(ApiJson.Options), "application/json");
}
