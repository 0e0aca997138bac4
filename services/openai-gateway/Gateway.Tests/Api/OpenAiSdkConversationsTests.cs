using System.ClientModel;
using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;
using OpenAI.Conversations;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // the SDK marks its Conversations and Responses clients experimental

namespace Gateway.Tests.Api;

/// <summary>
/// The official OpenAI .NET SDK's Conversations client (protocol methods: it has no typed models for them) makes a
/// conversation, its Responses client answers in it, and the conversation's items then hold both turns.
/// </summary>
public sealed class OpenAiSdkConversationsTests(GatewayHost host) : IClassFixture<GatewayHost>, IDisposable
{
    public void Dispose() => host.Scheduler.Script = _ => FakeReply.Default;

    [Fact]
    public async Task AConversationMadeByTheSdk_CarriesAResponseItsClientCreatesInIt()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        var options = new ConversationClientOptions { Endpoint = new Uri(host.HttpAddress, "/v1") };
        var conversations = new ConversationClient(new ApiKeyCredential("unused"), options);
        host.Scheduler.Script = r => r.Chat?.MessagesJson.Contains("sdk turn", StringComparison.Ordinal) == true
            ? new FakeReply(["From", " the SDK"], FinishReason.Stop)
            : FakeReply.Default;

        var created = await conversations.CreateConversationAsync(
            BinaryContent.Create(BinaryData.FromString("""{"items":[{"type":"message","role":"user","content":"sdk earlier"}],"metadata":{"via":"sdk"}}""")));
        var id = JsonDocument.Parse(created.GetRawResponse().Content).RootElement.GetProperty("id").GetString()!;
        var responses = new ResponsesClient(new ApiKeyCredential("unused"), new ResponsesClientOptions { Endpoint = new Uri(host.HttpAddress, "/v1") });
        ResponseResult response = await responses.CreateResponseAsync(
            new CreateResponseOptions(FakeScheduler.ModelName, [ResponseItem.CreateUserMessageItem("sdk turn")])
            {
                ConversationOptions = new ResponseConversationOptions(id),
            },
            cts.Token);
        var items = await conversations.GetConversationItemsAsync(id, order: "asc").GetRawPagesAsync().FirstAsync(cts.Token);

        Assert.Equal("From the SDK", response.GetOutputText());
        var sent = host.Scheduler.Requests.Last(r => r.Chat?.MessagesJson.Contains("sdk turn", StringComparison.Ordinal) == true);
        Assert.Contains("sdk earlier", sent.Chat.MessagesJson, StringComparison.Ordinal);
        var texts = JsonDocument.Parse(items.GetRawResponse().Content).RootElement.GetProperty("data").EnumerateArray()
            .Select(i => i.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(["sdk earlier", "sdk turn", "From the SDK"], texts);
    }
}
