using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Gateway.Api.Json;
using Gateway.Api.Sampling;
using Gateway.Api.Storage;

namespace Gateway.Api.Conversations;

/// <summary>
/// The conversations of OpenAI's Conversations API, kept in the gateway's memory: at most <see cref="MaxConversations"/>
/// of them and <see cref="MaxChars"/> characters of JSON, the least recently used forgotten first (a request naming one
/// is then a 404, as for an id never made). Items are kept as JSON text, so no caller shares a mutable node; every
/// read parses its own copy. One gateway's memory: replicas behind a load balancer do not share it.
/// </summary>
public sealed class ConversationStore
{
    public const int MaxConversations = 1000;

    /// <summary>64 Mi characters: about 64 MiB of ASCII-heavy JSON (twice that in UTF-16).</summary>
    public const long MaxChars = 64L * 1024 * 1024;

    private const string IdPrefix = "conv";

    private readonly BoundedMemoryStore<Conversation> _conversations = new(MaxConversations, MaxChars, c => c.Size, forgetLeastRecentlyUsed: true);

    /// <summary>The store's occupancy as metrics (what an operator watches to see it fill up and forget).</summary>
    public ConversationStore(IMeterFactory meterFactory) =>
        _conversations.PublishOccupancy(meterFactory, "inference:conversations_stored", "{conversation}",
            "Conversations the gateway keeps for /v1/conversations and the Responses API's conversation");

    public int Count => _conversations.Count;

    public long Chars => _conversations.Chars;

    /// <summary>A new conversation holding <paramref name="items"/> (with ids); returns its conversation object.</summary>
    public JsonObject Create(JsonObject metadata, JsonArray items)
    {
        var conversation = new Conversation(RequestIds.New(IdPrefix), RequestIds.UnixNow(), metadata.ToJsonString(ApiJson.Options));
        conversation.Append(items);
        var described = conversation.Describe();
        _conversations.Add(conversation.Id, conversation);
        return described;
    }

    /// <summary>The conversation object, or null for an unknown id.</summary>
    public JsonObject? Find(string id) => _conversations.Use(id, c => c.Describe(), out var described) ? described : null;

    /// <summary>Replaces the conversation's metadata; returns its object, or null for an unknown id.</summary>
    public JsonObject? Update(string id, JsonObject metadata) =>
        _conversations.Use(id, c =>
        {
            c.Metadata = metadata.ToJsonString(ApiJson.Options);
            return c.Describe();
        }, out var described) ? described : null;

    public bool Remove(string id) => _conversations.Remove(id);

    /// <summary>The conversation's items, oldest first, or null for an unknown id.</summary>
    public List<JsonObject>? Items(string id) =>
        _conversations.Use(id, c => c.Items.Select(i => (JsonObject)JsonNode.Parse(i.Json)!).ToList(), out var items) ? items : null;

    /// <summary>Adds <paramref name="items"/> (with ids) after the conversation's; false for an unknown id.</summary>
    public bool Append(string id, JsonArray items) => _conversations.Use(id, c => c.Append(items), out _);

    /// <summary>Deletes one item: null when the conversation is unknown, false when the item is.</summary>
    public bool? RemoveItem(string id, string itemId) =>
        _conversations.Use(id, c => c.Items.RemoveAll(i => i.Id == itemId) > 0, out var removed) ? removed : null;

    private sealed record StoredItem(string Id, string Json);

    /// <summary>One conversation; read and changed only inside the store's <see cref="BoundedMemoryStore{TEntry}.Use"/>.</summary>
    private sealed class Conversation(string id, long createdAt, string metadata)
    {
        public string Id => id;

        public string Metadata { get; set; } = metadata;

        public List<StoredItem> Items { get; } = [];

        /// <summary>Characters counted against the store's budget: the metadata and every item's JSON.</summary>
        public long Size => Metadata.Length + Items.Sum(i => (long)i.Json.Length);

        public bool Append(JsonArray items)
        {
            foreach (var item in items)
            {
                Items.Add(new StoredItem((string)item!["id"]!, item.ToJsonString(ApiJson.Options)));
            }

            return true;
        }

        /// <summary>OpenAI's conversation object.</summary>
        public JsonObject Describe() => new()
        {
            ["id"] = id,
            ["object"] = "conversation",
            ["created_at"] = createdAt,
            ["metadata"] = JsonNode.Parse(Metadata),
        };
    }
}
