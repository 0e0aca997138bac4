using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Net.Client;
using Inference.Contracts.Scheduler.V1;
using Inference.Contracts.Worker.V1;
using UnloadLoraAdapterRequest = Inference.Contracts.Worker.V1.UnloadLoraAdapterRequest;

namespace Integration.Tests.Lora;

/// <summary>
/// vLLM's /v1/load_lora_adapter and /v1/unload_lora_adapter against the real services: a loaded adapter answers as
/// offline `generate --lora` does on both workers, an unloaded one is gone, a name loaded again from another folder
/// is the new adapter (no cached blocks of the old one), and a worker that restarts serves the loaded adapters again.
/// Each test loads under names of its own.
/// </summary>
public sealed class RuntimeLoraApiTests(RuntimeLoraServedSystem system) : IClassFixture<RuntimeLoraServedSystem>
{
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Load_ServesTheAdapterOnBothWorkers_AsOfflineGenerate_AndUnloadRemovesIt()
    {
        using var http = LoraRequests.Http(system);
        var offline = await LoraRequests.OfflineAsync(system, "--lora", system.AdapterPath(RuntimeLoraServedSystem.Sql));

        var loaded = await PostAsync(http, "/v1/load_lora_adapter", new { lora_name = "rt-sql", lora_path = system.AdapterPath(RuntimeLoraServedSystem.Sql) });

        Assert.Equal((HttpStatusCode.OK, "Success: LoRA adapter 'rt-sql' added successfully."), loaded);
        var card = (await ModelCardsAsync(http)).Single(c => c.GetProperty("id").GetString() == "rt-sql");
        Assert.Equal((system.AdapterPath(RuntimeLoraServedSystem.Sql), system.ModelName),
            (card.GetProperty("root").GetString(), card.GetProperty("parent").GetString()));
        // Eight at once: more than the balance threshold lets one worker take, so both serve the adapter.
        var served = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => LoraRequests.CompleteAsync(http, "rt-sql")));
        Assert.All(served, s => Assert.Equal(offline.Ids, s.Ids));
        Assert.All(served, s => Assert.Equal("rt-sql", s.Model));

        var unloaded = await PostAsync(http, "/v1/unload_lora_adapter", new { lora_name = "rt-sql" });

        Assert.Equal((HttpStatusCode.OK, "Success: LoRA adapter 'rt-sql' removed successfully."), unloaded);
        Assert.DoesNotContain(await ModelCardsAsync(http), c => c.GetProperty("id").GetString() == "rt-sql");
        using var gone = await http.PostAsJsonAsync("/v1/completions", new { model = "rt-sql", prompt = "hello", max_tokens = 1 });
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task ANameLoadedAgainFromAnotherFolder_AnswersAsTheNewAdapter()
    {
        using var http = LoraRequests.Http(system);
        var offlineChat = await LoraRequests.OfflineAsync(system, "--lora", system.AdapterPath(RuntimeLoraServedSystem.Chat));
        await LoadAsync(http, "rt-swap", RuntimeLoraServedSystem.Sql);
        var first = await LoraRequests.CompleteAsync(http, "rt-swap");
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, "/v1/unload_lora_adapter", new { lora_name = "rt-swap" })).Status);

        // The prompt's blocks computed under the first load are still in the prefix cache: they must not serve this one.
        await LoadAsync(http, "rt-swap", RuntimeLoraServedSystem.Chat);
        var second = await LoraRequests.CompleteAsync(http, "rt-swap");

        Assert.Equal(offlineChat.Ids, second.Ids);
        Assert.NotEqual(first.Ids, second.Ids);
        await PostAsync(http, "/v1/unload_lora_adapter", new { lora_name = "rt-swap" });
    }

    [Fact]
    public async Task Refusals_AnswerAsVllms()
    {
        using var http = LoraRequests.Http(system);
        await LoadAsync(http, "rt-taken", RuntimeLoraServedSystem.Chat);

        var missing = await PostAsync(http, "/v1/load_lora_adapter", new { lora_name = "rt-missing", lora_path = system.AdapterPath("no-such-folder") });
        var tooBig = await PostAsync(http, "/v1/load_lora_adapter", new { lora_name = "rt-big", lora_path = system.AdapterPath(RuntimeLoraServedSystem.Rank16) });
        var taken = await PostAsync(http, "/v1/load_lora_adapter", new { lora_name = "rt-taken", lora_path = system.AdapterPath(RuntimeLoraServedSystem.Sql) });
        var noPath = await PostAsync(http, "/v1/load_lora_adapter", new { lora_name = "rt-no-path" });
        var unknown = await PostAsync(http, "/v1/unload_lora_adapter", new { lora_name = "rt-never-loaded" });

        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.Status);
        Assert.Contains("rank 16, more than the max LoRA rank 8", tooBig.Body);
        Assert.Equal(HttpStatusCode.BadRequest, taken.Status);
        Assert.Contains("The lora adapter 'rt-taken' has already been loaded.", taken.Body);
        Assert.Equal(HttpStatusCode.BadRequest, noPath.Status);
        Assert.Contains("Both 'lora_name' and 'lora_path' must be provided.", noPath.Body);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        var names = (await ModelCardsAsync(http)).Select(c => c.GetProperty("id").GetString()).ToList();
        Assert.DoesNotContain("rt-missing", names);
        Assert.DoesNotContain("rt-big", names);
        await PostAsync(http, "/v1/unload_lora_adapter", new { lora_name = "rt-taken" });
    }

    [Fact]
    public async Task AWorkerThatIsKilled_ComesBackServingTheLoadedAdapter()
    {
        using var http = LoraRequests.Http(system);
        var offline = await LoraRequests.OfflineAsync(system, "--lora", system.AdapterPath(RuntimeLoraServedSystem.Chat));
        await LoadAsync(http, "rt-restart", RuntimeLoraServedSystem.Chat);
        var before = await ServingInstanceAsync(system.WorkerAddresses[0]);
        var mark = system.LineCount;

        using (var worker = Process.GetProcessById(system.WorkerPids[0])) worker.Kill();
        await system.WaitForLineAsync(new Regex(@"^worker 0: pid \d+, http://127\.0\.0\.1:\d+$"), mark, RecoveryTimeout);
        var deadline = DateTime.UtcNow + RecoveryTimeout;
        while (await ServingInstanceAsync(system.WorkerAddresses[0]) is var now && (now is null || now == before))
        {
            Assert.True(DateTime.UtcNow < deadline, "the restarted worker never served again");
            await Task.Delay(200);
        }

        var served = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => LoraRequests.CompleteAsync(http, "rt-restart")));
        Assert.All(served, s => Assert.Equal(offline.Ids, s.Ids));

        // Asked directly, the new worker process holds the adapter (it answers NOT_FOUND for one it never loaded): the
        // scheduler gave it before it served, rather than the requests above failing there and moving to worker 1.
        using var workerChannel = GrpcChannel.ForAddress(system.WorkerAddresses[0]);
        await new Worker.WorkerClient(workerChannel).UnloadLoraAdapterAsync(new UnloadLoraAdapterRequest { Name = "rt-restart" });
        await PostAsync(http, "/v1/unload_lora_adapter", new { lora_name = "rt-restart" });
    }

    [Fact]
    public async Task AModelNamedAfterAResolverFolder_IsLoadedFromIt_AndAnswersAsOfflineGenerate()
    {
        using var http = LoraRequests.Http(system);
        Assert.Equal(system.ServedName, system.ModelName);
        var offline = await LoraRequests.OfflineAsync(system, "--lora", system.AdapterPath(RuntimeLoraServedSystem.Resolvable));

        // Eight at once, never loaded before: they race to resolve it, and every one runs with it, on both workers.
        var served = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => LoraRequests.CompleteAsync(http, RuntimeLoraServedSystem.Resolvable)));

        Assert.All(served, s => Assert.Equal(offline.Ids, s.Ids));
        Assert.All(served, s => Assert.Equal(RuntimeLoraServedSystem.Resolvable, s.Model));
        var card = (await ModelCardsAsync(http)).Single(c => c.GetProperty("id").GetString() == RuntimeLoraServedSystem.Resolvable);
        Assert.Equal(system.AdapterPath(RuntimeLoraServedSystem.Resolvable), card.GetProperty("root").GetString());

        // The sql folder's adapter names the model's path as its base, not the served name: not this model's adapter.
        var other = await PostAsync(http, "/v1/completions", new { model = RuntimeLoraServedSystem.Sql, prompt = "hello", max_tokens = 1 });
        Assert.Equal(HttpStatusCode.NotFound, other.Status);
        Assert.Contains("base_model_name_or_path", other.Body);
        await PostAsync(http, "/v1/unload_lora_adapter", new { lora_name = RuntimeLoraServedSystem.Resolvable });
    }

    private async Task LoadAsync(HttpClient http, string name, string folder)
    {
        var (status, body) = await PostAsync(http, "/v1/load_lora_adapter", new { lora_name = name, lora_path = system.AdapterPath(folder) });
        Assert.True(status == HttpStatusCode.OK, body);
    }

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<List<JsonElement>> ModelCardsAsync(HttpClient http)
    {
        using var models = JsonDocument.Parse(await http.GetStringAsync("/v1/models"));
        return [.. models.RootElement.GetProperty("data").EnumerateArray().Select(c => c.Clone())];
    }

    /// <summary>The instance id of the worker process serving at <paramref name="address"/>; null while none serves
    /// there. A restarted worker serves only once it loaded the adapters loaded at run time.</summary>
    private async Task<string?> ServingInstanceAsync(Uri address)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{system.GrpcPort}");
        var status = await new Generation.GenerationClient(channel).GetStatusAsync(new GetStatusRequest());
        return status.Workers.FirstOrDefault(w => w.State == WorkerState.Ready && new Uri(w.Address).Port == address.Port)?.InstanceId;
    }
}
