using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Grpc.Core;

namespace Gateway.Tests.Api;

/// <summary>
/// vLLM's LoRA filesystem resolver (VLLM_LORA_RESOLVER_CACHE_DIR): a request naming a model nobody serves loads the adapter
/// folder of that name, when its adapter_config.json is a LoRA of the served model, and runs with it. Each test names
/// adapters of its own: they share one scheduler and one folder.
/// </summary>
public sealed class LoraResolverTests(LoraResolverGatewayHost host) : IClassFixture<LoraResolverGatewayHost>
{
    [Fact]
    public async Task UnknownModel_WithAnAdapterFolder_LoadsItAndRunsWithIt()
    {
        var folder = host.WriteAdapter("resolved-lora");

        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"model":"resolved-lora","prompt":"resolved lora"}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal("resolved-lora", answer.Json.GetProperty("model").GetString());
        Assert.Equal(folder, Assert.Single(host.Adapters.Loads, r => r.LoraName == "resolved-lora").LoraPath);
        Assert.Equal("resolved-lora", Assert.Single(host.Scheduler.Requests, r => r.Text == "resolved lora").LoraName);
        Assert.Contains(host.Scheduler.LoraAdapters, adapter => adapter.Name == "resolved-lora");
    }

    [Fact]
    public async Task ResolvedAdapter_StaysLoaded_TheNextRequestLoadsNothing()
    {
        host.WriteAdapter("kept-lora");
        await host.Http.PostJsonAsync("/v1/completions", """{"model":"kept-lora","prompt":"kept 1"}""");

        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions", """{"model":"kept-lora","messages":[{"role":"user","content":"kept 2"}]}""");

        Assert.Equal(200, answer.Status);
        Assert.Single(host.Adapters.Loads, r => r.LoraName == "kept-lora");
        var models = await host.Http.GetAnswerAsync("/v1/models");
        Assert.Contains(models.Json.GetProperty("data").EnumerateArray(), card => card.GetProperty("id").GetString() == "kept-lora");
    }

    [Fact]
    public async Task NestedName_ResolvesTheNestedFolder()
    {
        var folder = host.WriteAdapter(Path.Combine("org", "nested-lora"));

        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"model":"org/nested-lora","prompt":"nested"}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal(folder, Assert.Single(host.Adapters.Loads, r => r.LoraName == "org/nested-lora").LoraPath);
    }

    [Fact]
    public async Task NoSuchFolder_IsVllms404_AndLoadsNothing()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"model":"absent-lora","prompt":"absent"}""");

        Assert.Equal(404, answer.Status);
        Assert.Equal("The model `absent-lora` does not exist.", answer.Error.GetProperty("message").GetString());
        Assert.Equal("model", answer.ErrorParam);
        Assert.DoesNotContain(host.Adapters.Loads, r => r.LoraName == "absent-lora");
    }

    [Fact]
    public async Task AdapterOfAnotherBaseModel_Is404SayingWhy()
    {
        host.WriteAdapter("other-base-lora", baseModel: "meta-llama/Llama-2-7b-hf");

        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"model":"other-base-lora","prompt":"other base"}""");

        Assert.Equal(404, answer.Status);
        var message = answer.Error.GetProperty("message").GetString()!;
        Assert.StartsWith("The model `other-base-lora` does not exist: ", message);
        Assert.Contains("\"meta-llama/Llama-2-7b-hf\" (base_model_name_or_path), not of the served model \"qwen-fake\"", message);
        Assert.DoesNotContain(host.Adapters.Loads, r => r.LoraName == "other-base-lora");
    }

    [Fact]
    public async Task FolderThatIsNoLora_Is404SayingWhy()
    {
        host.WriteAdapter("prefix-tuning", peftType: "PREFIX_TUNING");
        Directory.CreateDirectory(Path.Combine(host.Folder.FullName, "empty-folder"));

        var prefix = await host.Http.PostJsonAsync("/v1/completions", """{"model":"prefix-tuning","prompt":"p"}""");
        var empty = await host.Http.PostJsonAsync("/v1/completions", """{"model":"empty-folder","prompt":"p"}""");

        Assert.Equal(404, prefix.Status);
        Assert.Contains("has peft_type \"PREFIX_TUNING\", not \"LORA\"", prefix.Error.GetProperty("message").GetString());
        Assert.Equal(404, empty.Status);
        Assert.Contains("has no adapter_config.json", empty.Error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("../escaped-lora")]
    [InlineData("org/../../escaped-lora")]
    public async Task NameLeavingTheFolder_ResolvesNothing(string name)
    {
        // A valid adapter beside the resolver's folder: only a name that climbs out of it could reach it.
        host.WriteAdapter(Path.Combine("..", "escaped-lora"));

        var answer = await host.Http.PostJsonAsync("/v1/completions", $$"""{"model":"{{name}}","prompt":"escape"}""");

        Assert.Equal(404, answer.Status);
        Assert.Equal($"The model `{name}` does not exist.", answer.Error.GetProperty("message").GetString());
        Assert.DoesNotContain(host.Adapters.Loads, r => r.LoraName == name);
    }

    [Fact]
    public async Task WorkersRefuseTheAdapter_Is400NamingModel_WithTheirReason()
    {
        var folder = host.WriteAdapter("wide-lora");
        host.Adapters.RefuseNextLoad(new Status(StatusCode.InvalidArgument, "LoRA rank 64 exceeds --max-lora-rank 16."));

        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"model":"wide-lora","prompt":"wide"}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("model", answer.ErrorParam);
        Assert.Equal(
            $"The LoRA adapter `wide-lora` found in {folder} could not be loaded: LoRA rank 64 exceeds --max-lora-rank 16.",
            answer.Error.GetProperty("message").GetString());
        Assert.DoesNotContain(host.Scheduler.Requests, r => r.Text == "wide");
    }

    [Fact]
    public async Task LoadedMeanwhileElsewhere_TheAlreadyLoadedAnswerIsNoError()
    {
        // This gateway asked the scheduler just now and its clock stands still, so it does not ask again before resolving;
        // another gateway loads the adapter in between, and this gateway's load hears "already loaded".
        host.WriteAdapter("raced-lora");
        await host.Http.GetAnswerAsync("/v1/models");
        host.Adapters.Add("raced-lora", Path.Combine(host.Folder.FullName, "raced-lora"));

        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"model":"raced-lora","prompt":"raced"}""");

        Assert.Equal(200, answer.Status);
        Assert.Single(host.Adapters.Loads, r => r.LoraName == "raced-lora");
        Assert.Equal("raced-lora", Assert.Single(host.Scheduler.Requests, r => r.Text == "raced").LoraName);
    }

    [Fact]
    public async Task ConcurrentRequests_ForOneNewAdapter_AllRunWithIt()
    {
        host.WriteAdapter("crowd-lora");

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            host.Http.PostJsonAsync("/v1/completions", $$"""{"model":"crowd-lora","prompt":"crowd {{i}}"}""")));

        Assert.All(answers, answer => Assert.Equal(200, answer.Status));
        Assert.Equal(6, host.Scheduler.Requests.Count(r => r.Text.StartsWith("crowd ", StringComparison.Ordinal) && r.LoraName == "crowd-lora"));
        Assert.Single(host.Scheduler.LoraAdapters, adapter => adapter.Name == "crowd-lora");
    }

    [Fact]
    public async Task Tokenize_ResolvesToo()
    {
        host.WriteAdapter("tokenize-lora");

        var tokenize = await host.Http.PostJsonAsync("/tokenize", """{"model":"tokenize-lora","prompt":"tokens"}""");

        Assert.Equal(200, tokenize.Status);
        Assert.Single(host.Adapters.Loads, r => r.LoraName == "tokenize-lora");
    }
}
