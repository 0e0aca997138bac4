using Grpc.Core;
using Grpc.Health.V1;
using Inference.Contracts.Mapping;
using Inference.Contracts.Scheduler.V1;

namespace Scheduler.Tests.Service;

public sealed class SchedulerServiceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Generate_TextPrompt_StreamsTokensTextAndUsage()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        var client = new Generation.GenerationClient(fixture.Channel);

        var responses = await CollectAsync(client.Generate(new GenerateRequest
        {
            RequestId = "svc-1",
            Text = "abc",
            Stopping = new StoppingParams { MaxTokens = 4 },
        }));

        Assert.Equal("defg", string.Concat(responses.Select(r => r.TextDelta)));
        Assert.Equal([100, 101, 102, 103], responses.SelectMany(r => r.Tokens).Select(t => t.TokenId));
        Assert.Equal([97, 98, 99], responses[0].PromptTokenIds);
        Assert.All(responses, r => Assert.Equal("svc-1", r.RequestId));
        var last = responses[^1];
        Assert.Equal(FinishReason.Length, last.FinishReason);
        Assert.Equal((3, 4, 0), (last.Usage.PromptTokens, last.Usage.CompletionTokens, last.Usage.CachedPromptTokens));
    }

    [Fact]
    public async Task Embed_TextPrompt_ReturnsTheWorkersPooledEmbeddingAndUsage()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        var client = new Generation.GenerationClient(fixture.Channel);

        var raw = await client.EmbedAsync(new EmbedRequest { RequestId = "emb-1", Text = "abc", Normalize = false }, deadline: DateTime.UtcNow + Timeout);
        var normalized = await client.EmbedAsync(new EmbedRequest { TokenIds = new TokenIds { Ids = { 3, 4 } } }, deadline: DateTime.UtcNow + Timeout);

        Assert.Equal(("emb-1", 3), (raw.RequestId, raw.PromptTokens));
        Assert.Equal([97f + 98 + 99, 3, 97, 99], raw.Embedding);
        Assert.Equal(1.0, Math.Sqrt(normalized.Embedding.Sum(v => (double)v * v)), 5);
        Assert.StartsWith("embd-", normalized.RequestId);
    }

    [Fact]
    public async Task Embed_DimensionsOnAModelThatIsNotMatryoshka_IsInvalidArgumentNamingTheField()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        var client = new Generation.GenerationClient(fixture.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.EmbedAsync(new EmbedRequest { Text = "abc", Dimensions = 2 }).ResponseAsync);
        var empty = await Assert.ThrowsAsync<RpcException>(() => client.EmbedAsync(new EmbedRequest()).ResponseAsync);

        Assert.Equal((StatusCode.InvalidArgument, "dimensions"), (error.StatusCode, ValidationErrors.InvalidField(error)));
        Assert.Equal((StatusCode.InvalidArgument, "prompt"), (empty.StatusCode, ValidationErrors.InvalidField(empty)));
    }

    [Fact]
    public async Task Embed_AbortedById_IsCancelled()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        fixture.Worker.StepDelay = TimeSpan.FromMilliseconds(300);
        await WaitUntilServingAsync(fixture);
        var client = new Generation.GenerationClient(fixture.Channel);

        var call = client.EmbedAsync(new EmbedRequest { RequestId = "emb-abort", Text = new string('x', 200) });
        var aborted = new AbortResponse();
        for (var tries = 0; tries < 100 && aborted.AbortedIds.Count == 0; tries++)
        {
            aborted = await client.AbortAsync(new AbortRequest { RequestIds = { "emb-abort" } });
            await Task.Delay(10);
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Timeout));
        Assert.Equal(["emb-abort"], aborted.AbortedIds);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Generate_StopString_FinishesWithStopStringAndTheMatch()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        var client = new Generation.GenerationClient(fixture.Channel);

        var responses = await CollectAsync(client.Generate(new GenerateRequest
        {
            Text = "a",
            Stopping = new StoppingParams { MaxTokens = 20, Stop = { "e" } },
        }));

        Assert.Equal("bcd", string.Concat(responses.Select(r => r.TextDelta)));
        Assert.Equal((FinishReason.StopString, "e"), (responses[^1].FinishReason, responses[^1].StopReason));
    }

    [Fact]
    public async Task Generate_InvalidTemperature_IsInvalidArgumentNamingTheField()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        var client = new Generation.GenerationClient(fixture.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            CollectAsync(client.Generate(new GenerateRequest { Text = "a", Sampling = new Inference.Contracts.Common.V1.SamplingParams { Temperature = -1 } })));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("temperature must be non-negative, got -1.", error.Status.Detail);
        Assert.Equal("temperature", ValidationErrors.InvalidField(error));
    }

    [Fact]
    public async Task Generate_ChatTemplateRejected_IsInvalidArgument()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        var client = new Generation.GenerationClient(fixture.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            CollectAsync(client.Generate(new GenerateRequest { Chat = new ChatPrompt { MessagesJson = "[]", AddGenerationPrompt = true } })));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("messages must not be empty", error.Status.Detail);
    }

    [Fact]
    public async Task Generate_WithoutAWorker_IsUnavailable()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: false);
        var client = new Generation.GenerationClient(fixture.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => CollectAsync(client.Generate(new GenerateRequest { Text = "a" })));

        Assert.Equal((StatusCode.Unavailable, "no worker has joined yet"), (error.StatusCode, error.Status.Detail));
        var health = await new Health.HealthClient(fixture.Channel).CheckAsync(new HealthCheckRequest()).ResponseAsync.WaitAsync(Timeout);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, health.Status);
    }

    [Fact]
    public async Task RegisterWorker_ThenGenerate_ServesFromTheRegisteredWorker()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: false);
        var registry = new WorkerRegistry.WorkerRegistryClient(fixture.Channel);

        var first = await registry.RegisterWorkerAsync(new RegisterWorkerRequest { Address = fixture.FakesAddress, Device = "cpu:0", NumBlocks = 32 });
        var again = await registry.RegisterWorkerAsync(new RegisterWorkerRequest { Address = fixture.FakesAddress + "/", Device = "cpu:0", NumBlocks = 32 });
        await WaitUntilServingAsync(fixture);
        var info = await new Generation.GenerationClient(fixture.Channel).GetModelInfoAsync(new GetModelInfoRequest());

        Assert.Equal(first.WorkerId, again.WorkerId);
        Assert.Equal(("fake-qwen", 256, 1000, 1), (info.ModelName, info.MaxModelLen, info.VocabSize, info.NumWorkers));
    }

    [Fact]
    public async Task GetModelInfo_ListsTheWorkersLoraAdapters()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);

        var info = await new Generation.GenerationClient(fixture.Channel).GetModelInfoAsync(new GetModelInfoRequest());

        Assert.Equal(FakeWorkerService.LoraAdapters, info.LoraAdapters);
    }

    [Fact]
    public async Task Generate_WithLoraName_SendsItToTheWorker()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        var client = new Generation.GenerationClient(fixture.Channel);

        await CollectAsync(client.Generate(new GenerateRequest
        {
            RequestId = "lora-1",
            Text = "abc",
            Stopping = new StoppingParams { MaxTokens = 2 },
            LoraName = "chat-lora",
        }));

        lock (fixture.Worker.Requests)
        {
            var sent = fixture.Worker.Requests.SelectMany(r => r.NewRequests).Single(n => n.RequestId == "lora-1");
            Assert.Equal("chat-lora", sent.LoraName);
        }
    }

    [Fact]
    public async Task Generate_UnknownLoraName_IsInvalidArgumentNamingTheField()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        var client = new Generation.GenerationClient(fixture.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => CollectAsync(client.Generate(new GenerateRequest
        {
            Text = "abc",
            Stopping = new StoppingParams { MaxTokens = 2 },
            LoraName = "nope",
        })));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("lora_name", error.Status.Detail);
    }

    [Fact]
    public async Task LoadLoraAdapter_LoadsOnTheWorker_ListsIt_AndRequestsMayNameIt()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        var adapters = new LoraAdapters.LoraAdaptersClient(fixture.Channel);
        var generation = new Generation.GenerationClient(fixture.Channel);

        var loaded = await adapters.LoadLoraAdapterAsync(new LoadLoraAdapterRequest { LoraName = "math-lora", LoraPath = "/adapters/math" });
        await CollectAsync(generation.Generate(new GenerateRequest
        {
            RequestId = "math-1", Text = "abc", Stopping = new StoppingParams { MaxTokens = 2 }, LoraName = "math-lora",
        }));
        var info = await generation.GetModelInfoAsync(new GetModelInfoRequest());

        Assert.Equal(("math-lora", "/adapters/math", 4), (loaded.Adapter.Name, loaded.Adapter.Path, loaded.Adapter.Rank));
        Assert.Equal(["sql-lora", "chat-lora", "math-lora"], info.LoraAdapters.Select(a => a.Name));
        Assert.Equal("/adapters/math", fixture.Worker.RuntimeAdapters["math-lora"]);
        Assert.Equal("math-lora", Snapshot(fixture).SelectMany(r => r.NewRequests).Single(n => n.RequestId == "math-1").LoraName);

        var unloaded = await adapters.UnloadLoraAdapterAsync(new UnloadLoraAdapterRequest { LoraName = "math-lora" });

        Assert.Equal(0, unloaded.NumRequestsUsing);
        Assert.False(fixture.Worker.RuntimeAdapters.ContainsKey("math-lora"));
    }

    [Fact]
    public async Task AWorkerThatRestarts_LoadsTheRunTimeAdaptersAgain_BeforeItServes()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        var adapters = new LoraAdapters.LoraAdaptersClient(fixture.Channel);
        await adapters.LoadLoraAdapterAsync(new LoadLoraAdapterRequest { LoraName = "math-lora", LoraPath = "/adapters/math" });

        fixture.Worker.Restart();
        var deadline = DateTime.UtcNow + Timeout;
        while (!fixture.Worker.RuntimeAdapters.ContainsKey("math-lora"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the restarted worker was never given the adapter");
            await Task.Delay(50);
        }

        await CollectAsync(new Generation.GenerationClient(fixture.Channel).Generate(new GenerateRequest
        {
            RequestId = "after-restart", Text = "abc", Stopping = new StoppingParams { MaxTokens = 2 }, LoraName = "math-lora",
        }));
        Assert.Contains(Snapshot(fixture).SelectMany(r => r.NewRequests), n => n.RequestId == "after-restart" && n.LoraName == "math-lora");
    }

    [Theory]
    [InlineData("math-lora", "/missing/math", StatusCode.NotFound, "/missing/math does not exist")]
    [InlineData("math-lora", "/bad/math", StatusCode.InvalidArgument, "q_proj lora_A does not fit the model")]
    [InlineData("chat-lora", "/adapters/chat", StatusCode.AlreadyExists, "has already been loaded")]
    [InlineData("fake-qwen", "/adapters/x", StatusCode.AlreadyExists, "served model's name")]
    [InlineData("", "/adapters/x", StatusCode.InvalidArgument, "lora_name")]
    [InlineData("math-lora", "", StatusCode.InvalidArgument, "lora_path")]
    public async Task LoadLoraAdapter_Refusals_HaveTheirStatusCodes(string name, string path, StatusCode code, string message)
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        var adapters = new LoraAdapters.LoraAdaptersClient(fixture.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            adapters.LoadLoraAdapterAsync(new LoadLoraAdapterRequest { LoraName = name, LoraPath = path }).ResponseAsync);

        Assert.Equal(code, error.StatusCode);
        Assert.Contains(message, error.Status.Detail);
        Assert.Empty(fixture.Worker.RuntimeAdapters);
    }

    [Theory]
    [InlineData("nope", StatusCode.NotFound, "The lora adapter 'nope' cannot be found.")]
    [InlineData("sql-lora", StatusCode.FailedPrecondition, "was loaded at start")]
    public async Task UnloadLoraAdapter_Refusals_HaveTheirStatusCodes(string name, StatusCode code, string message)
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        var adapters = new LoraAdapters.LoraAdaptersClient(fixture.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            adapters.UnloadLoraAdapterAsync(new UnloadLoraAdapterRequest { LoraName = name }).ResponseAsync);

        Assert.Equal(code, error.StatusCode);
        Assert.Contains(message, error.Status.Detail);
    }

    [Fact]
    public async Task LoadLoraAdapter_BeforeAnyWorkerJoined_IsUnavailable()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: false);
        var adapters = new LoraAdapters.LoraAdaptersClient(fixture.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            adapters.LoadLoraAdapterAsync(new LoadLoraAdapterRequest { LoraName = "math-lora", LoraPath = "/adapters/math" }).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task RegisterWorker_InvalidAddress_IsInvalidArgument()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: false);
        var registry = new WorkerRegistry.WorkerRegistryClient(fixture.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            registry.RegisterWorkerAsync(new RegisterWorkerRequest { Address = "not a url" }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("address", error.Status.Detail);
    }

    [Fact]
    public async Task Generate_ClientCancels_AbortsTheRequestAndTellsTheWorker()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        var client = new Generation.GenerationClient(fixture.Channel);
        using var cancel = new CancellationTokenSource();
        using (var call = client.Generate(new GenerateRequest { RequestId = "gone", Text = "a", Stopping = new StoppingParams { MaxTokens = 200 } },
                   cancellationToken: cancel.Token))
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
            await cancel.CancelAsync();
        }

        var deadline = DateTime.UtcNow + Timeout;
        while (!WorkerWasTold(fixture, "gone"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the worker was never told to free the aborted request");
            await CollectAsync(client.Generate(new GenerateRequest { Text = "z", Stopping = new StoppingParams { MaxTokens = 1 } }));
        }

        var steps = Snapshot(fixture);
        var told = steps.FindIndex(r => r.FinishedRequestIds.Contains("gone"));
        Assert.False(steps.Skip(told + 1).Any(r => r.CachedRequests.Any(c => c.RequestId == "gone")),
            "a step after the one that freed the request still ran it: " + string.Join(", ", steps.Select(r =>
                $"{r.StepId}[new {string.Join(' ', r.NewRequests.Select(n => n.RequestId))}; cached {string.Join(' ', r.CachedRequests.Select(c => c.RequestId))}; finished {string.Join(' ', r.FinishedRequestIds)}]")));
        Assert.True(steps.Count(r => r.CachedRequests.Any(c => c.RequestId == "gone")) < 199);
    }

    [Fact]
    public async Task Abort_RunningRequest_EndsItsStreamWithFinishReasonAbort()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        fixture.Worker.StepDelay = TimeSpan.FromMilliseconds(20);
        var client = new Generation.GenerationClient(fixture.Channel);
        using var call = client.Generate(new GenerateRequest { RequestId = "long", Text = "a", Stopping = new StoppingParams { MaxTokens = 200, IgnoreEos = true } });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));

        var aborted = await client.AbortAsync(new AbortRequest { RequestIds = { "long", "unknown" } }, deadline: DateTime.UtcNow + Timeout);

        Assert.Equal(["long"], aborted.AbortedIds);
        var last = call.ResponseStream.Current;
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout))
        {
            last = call.ResponseStream.Current;
        }

        Assert.Equal(FinishReason.Abort, last.FinishReason);
    }

    [Fact]
    public async Task Generate_RequestIdOfARunningRequest_IsAlreadyExists()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        fixture.Worker.StepDelay = TimeSpan.FromMilliseconds(20);
        var client = new Generation.GenerationClient(fixture.Channel);
        using var first = client.Generate(new GenerateRequest { RequestId = "same", Text = "a", Stopping = new StoppingParams { MaxTokens = 200, IgnoreEos = true } });
        Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            CollectAsync(client.Generate(new GenerateRequest { RequestId = "same", Text = "b" })));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
    }

    [Fact]
    public async Task Generate_WorkerFailsASteps_RequestIsRequeuedAndCompletes()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        await WaitUntilServingAsync(fixture);
        var client = new Generation.GenerationClient(fixture.Channel);
        lock (fixture.Worker.Requests)
        {
            fixture.Worker.FailNextExecutes = 2;
        }

        var responses = await CollectAsync(client.Generate(new GenerateRequest { Text = "abc", Stopping = new StoppingParams { MaxTokens = 3 } }));

        Assert.Equal("def", string.Concat(responses.Select(r => r.TextDelta)));
        Assert.Equal(3, Snapshot(fixture).Count(r => r.NewRequests.Count == 1));
    }

    [Fact]
    public async Task ConnectAsync_WorkerNotListening_ThrowsExecutorFault()
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress("http://127.0.0.1:1");

        await Assert.ThrowsAsync<Inference.Abstractions.Execution.ExecutorFaultException>(() =>
            Scheduler.Service.Adapters.GrpcStepExecutor.ConnectAsync(channel, TimeSpan.FromSeconds(5), CancellationToken.None).WaitAsync(Timeout));
    }

    private static bool WorkerWasTold(SchedulerServiceFixture fixture, string requestId) =>
        Snapshot(fixture).Any(r => r.FinishedRequestIds.Contains(requestId));

    private static List<Inference.Contracts.Worker.V1.ExecuteRequest> Snapshot(SchedulerServiceFixture fixture)
    {
        lock (fixture.Worker.Requests)
        {
            return [.. fixture.Worker.Requests];
        }
    }

    private static async Task<List<GenerateResponse>> CollectAsync(AsyncServerStreamingCall<GenerateResponse> call)
    {
        using (call)
        {
            var responses = new List<GenerateResponse>();
            while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout))
            {
                responses.Add(call.ResponseStream.Current);
            }

            return responses;
        }
    }

    private static async Task WaitUntilServingAsync(SchedulerServiceFixture fixture)
    {
        var health = new Health.HealthClient(fixture.Channel);
        var deadline = DateTime.UtcNow + Timeout;
        while ((await health.CheckAsync(new HealthCheckRequest()).ResponseAsync.WaitAsync(Timeout)).Status != HealthCheckResponse.Types.ServingStatus.Serving)
        {
            Assert.True(DateTime.UtcNow < deadline, "the scheduler never became ready");
            await Task.Delay(50);
        }
    }
}
