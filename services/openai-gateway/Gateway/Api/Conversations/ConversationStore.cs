using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Gateway.Api.Json;
using Gateway.Api.Sampling;
using Gateway.Observability;

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

    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Conversation>> _byId = [];
    private readonly LinkedList<Conversation> _leastRecentFirst = new();
    private long _chars;

    /// <summary>The store's occupancy as metrics (what an operator watches to see it fill up and forget).</summary>
    public ConversationStore(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(GatewayMetrics.MeterName);
        meter.CreateObservableGauge("inference:conversations_stored", () => Count, "{conversation}",
            $"Conversations the gateway keeps for /v1/conversations and the Responses API's conversation (at most {MaxConversations}).");
        meter.CreateObservableGauge("inference:conversations_stored_chars", () => Chars, "{char}",
            $"Characters of JSON the stored conversations' items and metadata take (at most {MaxChars}).");
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byId.Count;
            }
        }
    }

    public long Chars
    {
        get
        {
            lock (_lock)
            {
                return _chars;
            }
        }
    }

    /// <summary>A new conversation holding <paramref name="items"/> (with ids); returns its conversation object.</summary>
    public JsonObject Create(JsonObject metadata, JsonArray items)
    {
        var conversation = new Conversation(RequestIds.New(IdPrefix), RequestIds.UnixNow(), metadata.ToJsonString(ApiJson.Options));
        lock (_lock)
        {
            _byId[conversation.Id] = _leastRecentFirst.AddLast(conversation);
            _chars += conversation.Size;
            AppendLocked(conversation, items);
            return conversation.Describe();
        }
    }

    /// <summary>The conversation object, or null for an unknown id.</summary>
    public JsonObject? Find(string id)
    {
        lock (_lock)
        {
            return UseLocked(id)?.Describe();
        }
    }

    /// <summary>Replaces the conversation's metadata; returns its object, or null for an unknown id.</summary>
    public JsonObject? Update(string id, JsonObject metadata)
    {
        lock (_lock)
        {
            if (UseLocked(id) is not { } conversation)
            {
                return null;
            }

            _chars -= conversation.Size;
            conversation.Metadata = metadata.ToJsonString(ApiJson.Options);
            _chars += conversation.Size;
            EvictLocked();
            return conversation.Describe();
        }
    }

    public bool Remove(string id)
    {
        lock (_lock)
        {
            return RemoveLocked(id);
        }
    }

    /// <summary>The conversation's items, oldest first, or null for an unknown id.</summary>
    public List<JsonObject>? Items(string id)
    {
        lock (_lock)
        {
            return UseLocked(id)?.Items.Select(i => (JsonObject)JsonNode.Parse(i.Json)!).ToList();
        }
    }

    /// <summary>Adds <paramref name="items"/> (with ids) after the conversation's; false for an unknown id.</summary>
    public bool Append(string id, JsonArray items)
    {
        lock (_lock)
        {
            if (UseLocked(id) is not { } conversation)
            {
                return false;
            }

            AppendLocked(conversation, items);
            return true;
        }
    }

    /// <summary>Deletes one item: null when the conversation is unknown, false when the item is.</summary>
    public bool? RemoveItem(string id, string itemId)
    {
        lock (_lock)
        {
            if (UseLocked(id) is not { } conversation)
            {
                return null;
            }

            var at = conversation.Items.FindIndex(i => i.Id == itemId);
            if (at < 0)
            {
                return false;
            }

            _chars -= conversation.Items[at].Json.Length;
            conversation.Items.RemoveAt(at);
            return true;
        }
    }

    /// <summary>The conversation, marked the most recently used; null for an unknown id.</summary>
    private Conversation? UseLocked(string id)
    {
        if (!_byId.TryGetValue(id, out var node))
        {
            return null;
        }

        _leastRecentFirst.Remove(node);
        _leastRecentFirst.AddLast(node);
        return node.Value;
    }

    private void AppendLocked(Conversation conversation, JsonArray items)
    {
        foreach (var item in items)
        {
            var stored = new StoredItem((string)item!["id"]!, item.ToJsonString(ApiJson.Options));
            conversation.Items.Add(stored);
            _chars += stored.Json.Length;
        }

        EvictLocked();
    }

    /// <summary>Forgets the least recently used conversations until the rest fit; the one just used always stays.</summary>
    private void EvictLocked()
    {
        while (_leastRecentFirst.Count > 1 && (_leastRecentFirst.Count > MaxConversations || _chars > MaxChars))
        {
            RemoveLocked(_leastRecentFirst.First!.Value.Id);
        }
    }

    private bool RemoveLocked(string id)
    {
        if (!_byId.Remove(id, out var node))
        {
            return false;
        }

        _leastRecentFirst.Remove(node);
        _chars -= node.Value.Size;
        return true;
    }

    private sealed record StoredItem(string Id, string Json);

    /// <summary>One conversation; read and changed only under the store's lock.</summary>
    private sealed class Conversation(string id, long createdAt, string metadata)
    {
        public string Id => id;

        public string Metadata { get; set; } = metadata;

        public List<StoredItem> Items { get; } = [];

        /// <summary>Characters counted against the store's budget: the metadata and every item's JSON.</summary>
        public long Size => Metadata.Length + Items.Sum(i => (long)i.Json.Length);

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
