using System.Text.Json.Nodes;
using Gateway.Api.Conversations;
using Gateway.Tests.Fakes;

namespace Gateway.Tests.Api.Conversations;

/// <summary>The store forgets the least recently used conversation first, so one still in use survives a full store.</summary>
public sealed class ConversationStoreTests
{
    [Fact]
    public void AFullStore_ForgetsTheLeastRecentlyUsed_NotTheOldest()
    {
        using var meters = new PlainMeterFactory();
        var store = new ConversationStore(meters);
        var oldest = Create(store);
        var second = Create(store);
        for (var i = 2; i < ConversationStore.MaxConversations; i++)
        {
            Create(store);
        }

        Assert.True(store.Append(oldest, [new JsonObject { ["id"] = "msg-kept", ["type"] = "message" }]));
        Create(store);

        Assert.Equal(ConversationStore.MaxConversations, store.Count);
        Assert.NotNull(store.Find(oldest));
        Assert.Null(store.Find(second));
    }

    [Fact]
    public void DeletingAnItem_GivesItsCharactersBack()
    {
        using var meters = new PlainMeterFactory();
        var store = new ConversationStore(meters);
        var id = Create(store);
        var empty = store.Chars;

        store.Append(id, [new JsonObject { ["id"] = "msg-1", ["type"] = "message" }]);
        Assert.True(store.Chars > empty);
        Assert.True(store.RemoveItem(id, "msg-1"));

        Assert.Equal(empty, store.Chars);
        Assert.False(store.RemoveItem(id, "msg-1"));
        Assert.Null(store.RemoveItem("conv-none", "msg-1"));
    }

    private static string Create(ConversationStore store) => (string)store.Create([], [])["id"]!;
}
