using Gateway.Backends;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Grpc.Core;

namespace Gateway.Tests.Api;

/// <summary>
/// vLLM's runtime LoRA loading (VLLM_ALLOW_RUNTIME_LORA_UPDATING): POST /v1/load_lora_adapter and /v1/unload_lora_adapter
/// reach the scheduler's LoraAdapters service, and the gateway's knowledge of the served adapters follows what was loaded
/// and unloaded, here or through another gateway. Each test names adapters of its own: they share one scheduler.
/// </summary>
public sealed class RuntimeLoraUpdatingTests(RuntimeLoraGatewayHost host) : IClassFixture<RuntimeLoraGatewayHost>
{
    [Fact]
    public async Task Load_AnswersVllmsSentenceAndSendsNameAndPath()
    {
        var answer = await Load("load-lora", "/adapters/load-lora");

        Assert.Equal(200, answer.Status);
        Assert.Equal("text/plain", answer.MediaType);
        Assert.Equal("Success: LoRA adapter 'load-lora' added successfully.", answer.Text);
        var sent = Assert.Single(host.Adapters.Loads, r => r.LoraName == "load-lora");
        Assert.Equal("/adapters/load-lora", sent.LoraPath);
    }

    [Fact]
    public async Task Load_ThenModels_ListsTheAdaptersCard()
    {
        await Load("listed-lora", "/adapters/listed-lora");

        var answer = await host.Http.GetAnswerAsync("/v1/models");

        var card = answer.Json.GetProperty("data").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "listed-lora");
        Assert.Equal("/adapters/listed-lora", card.GetProperty("root").GetString());
        Assert.Equal(FakeScheduler.ModelName, card.GetProperty("parent").GetString());
    }

    [Fact]
    public async Task Load_ForgetsTheKnownAdapters_SoARequestNamingItRunsWithIt()
    {
        // The gateway knows the adapters as of now, and the clock stands still: only forgetting makes it ask again.
        await host.Http.GetAnswerAsync("/v1/models");
        await Load("fresh-lora", "/adapters/fresh-lora");

        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"model":"fresh-lora","prompt":"fresh lora"}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal("fresh-lora", answer.Json.GetProperty("model").GetString());
        Assert.Equal("fresh-lora", Assert.Single(host.Scheduler.Requests, r => r.Text == "fresh lora").LoraName);
    }

    [Theory]
    [InlineData("""{"lora_path":"/adapters/x"}""", "lora_name")]
    [InlineData("""{"lora_name":"","lora_path":"/adapters/x"}""", "lora_name")]
    [InlineData("""{"lora_name":"no-path-lora"}""", "lora_path")]
    [InlineData("""{"lora_name":"null-path-lora","lora_path":null}""", "lora_path")]
    public async Task Load_WithoutNameOrPath_Is400NamingIt(string body, string field)
    {
        var loads = host.Adapters.Loads.Count;

        var answer = await host.Http.PostJsonAsync("/v1/load_lora_adapter", body);

        Assert.Equal(400, answer.Status);
        Assert.Equal("Both 'lora_name' and 'lora_path' must be provided.", answer.Error.GetProperty("message").GetString());
        Assert.Equal(field, answer.ErrorParam);
        Assert.Equal(loads, host.Adapters.Loads.Count);
    }

    [Fact]
    public async Task Load_InPlace_Is400NamingIt()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/load_lora_adapter", """{"lora_name":"sql-lora","lora_path":"/adapters/sql-lora-v2","load_inplace":true}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("load_inplace", answer.ErrorParam);
    }

    [Fact]
    public async Task Load_ANameTaken_Is400WithTheSchedulersMessage()
    {
        var answer = await Load("sql-lora", "/adapters/other");

        Assert.Equal(400, answer.Status);
        Assert.Equal("The lora adapter 'sql-lora' has already been loaded.", answer.Error.GetProperty("message").GetString());
        Assert.Equal("lora_name", answer.ErrorParam);
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument, 400, null)]
    [InlineData(StatusCode.FailedPrecondition, 400, null)]
    [InlineData(StatusCode.NotFound, 404, "lora_path")]
    [InlineData(StatusCode.Unavailable, 503, null)]
    public async Task Load_Refused_AnswersTheStatusAndTheSchedulersMessage(StatusCode code, int status, string? param)
    {
        var detail = $"the scheduler says {code}";
        host.Adapters.RefuseNextLoad(new Status(code, detail));

        var answer = await Load($"refused-{code}-lora", "/adapters/refused");

        Assert.Equal(status, answer.Status);
        Assert.Contains(detail, answer.Error.GetProperty("message").GetString());
        Assert.Equal(param, answer.ErrorParam);
        Assert.Equal(status, answer.Error.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Unload_AnswersVllmsSentenceAndSendsTheName()
    {
        await Load("unload-lora", "/adapters/unload-lora");

        var answer = await Unload("unload-lora");

        Assert.Equal(200, answer.Status);
        Assert.Equal("Success: LoRA adapter 'unload-lora' removed successfully.", answer.Text);
        Assert.Single(host.Adapters.Unloads, r => r.LoraName == "unload-lora");
    }

    [Fact]
    public async Task Unload_ForgetsTheKnownAdapters_SoARequestNamingItIs404WithoutReachingTheScheduler()
    {
        await Load("dropped-lora", "/adapters/dropped-lora");
        await host.Http.GetAnswerAsync("/v1/models");
        await Unload("dropped-lora");

        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"model":"dropped-lora","prompt":"dropped lora"}""");

        Assert.Equal(404, answer.Status);
        Assert.DoesNotContain(host.Scheduler.Requests, r => r.Text == "dropped lora");
    }

    [Fact]
    public async Task Unload_NoSuchAdapter_Is404()
    {
        var answer = await Unload("never-loaded-lora");

        Assert.Equal(404, answer.Status);
        Assert.Equal("The lora adapter 'never-loaded-lora' cannot be found.", answer.Error.GetProperty("message").GetString());
        Assert.Equal("lora_name", answer.ErrorParam);
    }

    [Fact]
    public async Task Unload_AnAdapterLoadedAtStart_Is400()
    {
        var answer = await Unload("chat-lora");

        Assert.Equal(400, answer.Status);
        Assert.Contains("loaded at start", answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Unload_ByLoraIntId_Is400NamingIt()
    {
        var unloads = host.Adapters.Unloads.Count;

        var answer = await host.Http.PostJsonAsync("/v1/unload_lora_adapter", """{"lora_name":"sql-lora","lora_int_id":1}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("lora_int_id", answer.ErrorParam);
        Assert.Equal(unloads, host.Adapters.Unloads.Count);
    }

    [Fact]
    public async Task Unload_WithoutName_Is400NamingIt()
    {
        var answer = await host.Http.PostJsonAsync("/v1/unload_lora_adapter", "{}");

        Assert.Equal(400, answer.Status);
        Assert.Equal("lora_name", answer.ErrorParam);
    }

    [Fact]
    public async Task UnknownModel_IsAskedAgain_AndFoundWhenAnotherGatewayLoadedIt()
    {
        await host.Http.GetAnswerAsync("/v1/models");
        host.Adapters.Add("elsewhere-lora", "/adapters/elsewhere-lora");
        host.Clock.Advance(ServedModel.UnknownModelRecheckInterval);

        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"model":"elsewhere-lora","prompt":"elsewhere lora"}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal("elsewhere-lora", Assert.Single(host.Scheduler.Requests, r => r.Text == "elsewhere lora").LoraName);
    }

    [Fact]
    public async Task UnknownModels_AreAskedAgainAtMostOncePerInterval()
    {
        await host.Http.GetAnswerAsync("/v1/models");
        host.Clock.Advance(ServedModel.UnknownModelRecheckInterval);
        var asked = host.Scheduler.ModelInfoCalls;

        var first = await host.Http.PostJsonAsync("/v1/completions", """{"model":"nowhere-lora-1","prompt":"nowhere"}""");
        var second = await host.Http.PostJsonAsync("/v1/completions", """{"model":"nowhere-lora-2","prompt":"nowhere"}""");

        Assert.Equal((404, 404), (first.Status, second.Status));
        Assert.Equal(asked + 1, host.Scheduler.ModelInfoCalls);
    }

    [Theory]
    [InlineData("/v1/completions", """{"model":"vanishing-completion-lora","prompt":"vanishing 1"}""", "vanishing-completion-lora")]
    [InlineData("/v1/embeddings", """{"model":"vanishing-embedding-lora","input":"vanishing 1"}""", "vanishing-embedding-lora")]
    public async Task AdapterUnloadedElsewhere_TheSchedulersLoraNameRefusalIs404(string path, string body, string adapter)
    {
        host.Adapters.Add(adapter, $"/adapters/{adapter}");
        await host.Http.GetAnswerAsync("/v1/models");
        host.Adapters.Remove(adapter);

        var answer = await host.Http.PostJsonAsync(path, body);

        Assert.Equal(404, answer.Status);
        Assert.Equal($"The model `{adapter}` does not exist.", answer.Error.GetProperty("message").GetString());
        Assert.Equal("model", answer.ErrorParam);
    }

    [Fact]
    public async Task AdapterUnloadedElsewhere_AfterTheRefusal_TheNextRequestIs404WithoutReachingTheScheduler()
    {
        host.Adapters.Add("gone-lora", "/adapters/gone-lora");
        await host.Http.GetAnswerAsync("/v1/models");
        host.Adapters.Remove("gone-lora");
        await host.Http.PostJsonAsync("/v1/completions", """{"model":"gone-lora","prompt":"gone 1"}""");

        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"model":"gone-lora","prompt":"gone 2"}""");

        Assert.Equal(404, answer.Status);
        Assert.Single(host.Scheduler.Requests, r => r.Text == "gone 1");
        Assert.DoesNotContain(host.Scheduler.Requests, r => r.Text == "gone 2");
    }

    private Task<HttpAnswer> Load(string name, string path) =>
        host.Http.PostJsonAsync("/v1/load_lora_adapter", $$"""{"lora_name":"{{name}}","lora_path":"{{path}}"}""");

    private Task<HttpAnswer> Unload(string name) =>
        host.Http.PostJsonAsync("/v1/unload_lora_adapter", $$"""{"lora_name":"{{name}}"}""");
}
