using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts.Scheduler.V1;
using OpenAI;
using OpenAI.Chat;

namespace Integration.Tests.Lora;

/// <summary>
/// LoRA adapters served as vLLM's --lora-modules serves them: listed by /v1/models, chosen by the request's model,
/// equal to offline `generate --lora`, mixed with the base model in one batch without sharing its prefix cache.
/// </summary>
public sealed class LoraApiTests(LoraServedSystem system) : IClassFixture<LoraServedSystem>
{
    private const string Prompt = LoraRequests.Prompt;
    private static readonly TimeSpan RequestTimeout = LoraRequests.RequestTimeout;

    private HttpClient Http() => LoraRequests.Http(system);

    private static Task<(string Model, string Text, int[] Ids)> CompleteAsync(HttpClient http, string model) => LoraRequests.CompleteAsync(http, model);

    private Task<(string Text, int[] Ids)> OfflineAsync(params string[] args) => LoraRequests.OfflineAsync(system, args);

    [Fact]
    public async Task Models_ListEachAdapterAfterTheBase_WithItsFolderAndParent()
    {
        using var http = Http();
        using var models = JsonDocument.Parse(await http.GetStringAsync("/v1/models"));
        var cards = models.RootElement.GetProperty("data").EnumerateArray().ToList();

        Assert.Equal([system.ModelName, LoraServedSystem.SqlAdapter, LoraServedSystem.ChatAdapter], cards.Select(c => c.GetProperty("id").GetString()));
        foreach (var card in cards.Skip(1))
        {
            var name = card.GetProperty("id").GetString()!;
            Assert.Equal(system.ModelName, card.GetProperty("parent").GetString());
            Assert.Equal(system.AdapterPath(name), card.GetProperty("root").GetString());
        }

        using var one = JsonDocument.Parse(await http.GetStringAsync($"/v1/models/{LoraServedSystem.ChatAdapter}"));
        Assert.Equal(system.ModelName, one.RootElement.GetProperty("parent").GetString());
    }

    [Theory]
    [InlineData(LoraServedSystem.SqlAdapter)]
    [InlineData(LoraServedSystem.ChatAdapter)]
    public async Task Completion_WithAnAdapter_EqualsOfflineGenerateWithIt_AndDiffersFromTheBase(string adapter)
    {
        var offline = await OfflineAsync("--lora", system.AdapterPath(adapter));
        var offlineBase = await OfflineAsync();
        using var http = Http();

        // The base first: its prompt blocks are then in the prefix cache when the adapter's request arrives.
        var servedBase = await CompleteAsync(http, system.ModelName);
        var served = await CompleteAsync(http, adapter);

        Assert.Equal(offline.Ids, served.Ids);
        Assert.Equal(offline.Text, served.Text);
        Assert.Equal(adapter, served.Model);
        Assert.Equal(offlineBase.Ids, servedBase.Ids);
        Assert.NotEqual(servedBase.Ids, served.Ids);
    }

    [Fact]
    public async Task BaseAndAdapters_RunTogether_EachAnswersAsAlone_AndNoneReusesAnothersCache()
    {
        using var http = Http();
        string[] models = [system.ModelName, LoraServedSystem.SqlAdapter, LoraServedSystem.ChatAdapter];
        var alone = new Dictionary<string, int[]>();
        foreach (var model in models) alone[model] = (await CompleteAsync(http, model)).Ids;

        // Twelve at once on two workers: the batches mix the base and both adapters over the same (cached) prompt.
        var together = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            var model = models[i % models.Length];
            return (Model: model, (await CompleteAsync(http, model)).Ids);
        }));

        foreach (var (model, ids) in together) Assert.Equal(alone[model], ids);
        Assert.Equal(3, alone.Values.Select(ids => string.Join(',', ids)).Distinct().Count());
    }

    [Fact]
    public async Task Chat_WithTheSdk_AnswersUnderTheAdaptersName()
    {
        var chat = new ChatClient(LoraServedSystem.SqlAdapter, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = system.ApiBase });
        var offline = await OfflineAsync("--lora", system.AdapterPath(LoraServedSystem.SqlAdapter), "--chat", "--prompt", "Hello!", "--max-tokens", "8");

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Hello!")],
            new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 });

        Assert.Equal(LoraServedSystem.SqlAdapter, completion.Model);
        Assert.Equal(offline.Text, completion.Content.Count == 0 ? "" : completion.Content[0].Text);
    }

    [Fact]
    public async Task Embeddings_WithAnAdapter_EqualOfflineEmbedWithIt_AndDifferFromTheBase()
    {
        var run = await CliProgram.RunAsync(TimeSpan.FromMinutes(2),
            "embed", "--model", system.ModelDirectory, "--prompt", Prompt, "--lora", system.AdapterPath(LoraServedSystem.SqlAdapter));
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var offline = JsonDocument.Parse(run.Stdout.Trim());
        using var http = Http();

        var served = await EmbedAsync(http, LoraServedSystem.SqlAdapter);
        var servedBase = await EmbedAsync(http, system.ModelName);

        Assert.Equal(offline.RootElement.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()), served);
        Assert.NotEqual(servedBase, served);
    }

    [Fact]
    public async Task AnUnknownModel_Is404_AndAnUnknownGrpcLoraName_IsRefusedNamingTheField()
    {
        using var http = Http();
        using var response = await http.PostAsJsonAsync("/v1/completions", new { model = "no-such-lora", prompt = Prompt, max_tokens = 1 });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{system.GrpcPort}");
        var client = new Generation.GenerationClient(channel);
        var request = new GenerateRequest { Text = Prompt, LoraName = "no-such-lora", Stopping = new StoppingParams { MaxTokens = 1 } };
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = client.Generate(request, deadline: DateTime.UtcNow + RequestTimeout);
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
        });
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("lora_name", error.Status.Detail);
    }

    [Fact]
    public async Task Metrics_ReportTheServedAdapters()
    {
        using var http = Http();
        await CompleteAsync(http, LoraServedSystem.ChatAdapter);

        var metrics = await http.GetStringAsync("/metrics");

        Assert.Contains("vllm:lora_requests_info{", metrics);
        Assert.Contains("max_lora=\"2\"", metrics);
    }

    private static async Task<float[]> EmbedAsync(HttpClient http, string model)
    {
        using var response = await http.PostAsJsonAsync("/v1/embeddings", new { model, input = Prompt });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(model, json.RootElement.GetProperty("model").GetString());
        return [.. json.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle())];
    }
}
