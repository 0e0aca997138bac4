using System.Text.Json.Nodes;
using Gateway.Api.Responses;
using Gateway.Tests.Fakes;

namespace Gateway.Tests.Api.Responses;

/// <summary>A background stream's event log lives in the store with its response: counted in its budget, and forgotten with it.</summary>
public sealed class ResponseStoreTests
{
    [Fact]
    public async Task AnEventLog_CountsInTheStoresBudget_AsItGrows()
    {
        using var meters = new PlainMeterFactory();
        var store = new ResponseStore(meters);
        var log = new ResponseEventLog(() => store.Recount("resp-1"));
        store.Add("resp-1", Response("resp-1"), [], [], log);
        var withoutEvents = store.Chars;

        await log.WriteEventAsync("response.created", new JsonObject { ["type"] = "response.created", ["sequence_number"] = 0 }, CancellationToken.None);

        Assert.True(log.Bytes > 0);
        Assert.Equal(withoutEvents + log.Bytes, store.Chars);
        Assert.True(store.Remove("resp-1"));
        Assert.Equal(0, store.Chars);
    }

    [Fact]
    public void AResponseWithEvents_IsForgottenAsAnyOther_WhenNewerOnesFillTheStore()
    {
        using var meters = new PlainMeterFactory();
        var store = new ResponseStore(meters);
        store.Add("resp-streamed", Response("resp-streamed"), [], [], new ResponseEventLog(() => store.Recount("resp-streamed")));

        for (var i = 0; i < ResponseStore.MaxResponses; i++)
        {
            store.Add($"resp-{i}", Response($"resp-{i}"), [], []);
        }

        Assert.Null(store.Find("resp-streamed"));
        Assert.Equal(ResponseStore.MaxResponses, store.Count);
    }

    private static JsonObject Response(string id) => new() { ["id"] = id, ["object"] = "response", ["status"] = "queued", ["output"] = new JsonArray() };
}
