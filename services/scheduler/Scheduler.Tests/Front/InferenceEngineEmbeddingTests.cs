using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Inference.Abstractions.Text;
using Scheduler.Core;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

/// <summary>EmbedAsync: an embedding request computes its prompt in the engine's batches and ends with its pooled output.</summary>
public sealed class InferenceEngineEmbeddingTests
{
    private static float[] Normalized(float[] v)
    {
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    private static int[] Ids(string text) => [.. text.Select(c => (int)c)];

    [Fact]
    public async Task EmbedAsync_Text_ReturnsThePooledEmbeddingNormalizedByDefaultWithUsage()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var result = await engine.EmbedAsync(new EmbeddingRequest("e1", new TextPrompt("hello")), default).WaitAsync(EngineFixture.Timeout);

        Assert.Equal("e1", result.RequestId);
        Assert.Equal(Normalized(FakeStepExecutor.EmbeddingOf(Ids("hello"))), result.Embedding);
        Assert.Equal(5, result.PromptTokens);
        Assert.Equal(0, result.CachedPromptTokens);
    }

    [Fact]
    public async Task EmbedAsync_NormalizeFalseAndDimensions_ReachTheExecutor()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var raw = await engine.EmbedAsync(new EmbeddingRequest(null, new TokenIdsPrompt([5, 6, 7]), Normalize: false), default);
        var shortened = await engine.EmbedAsync(new EmbeddingRequest(null, new TokenIdsPrompt([5, 6, 7]), Dimensions: 3), default);

        Assert.Equal(FakeStepExecutor.EmbeddingOf([5, 6, 7]), raw.Embedding);
        Assert.Equal(Normalized(FakeStepExecutor.EmbeddingOf([5, 6, 7])[..3]), shortened.Embedding);
        Assert.StartsWith("embd-", raw.RequestId);
    }

    [Fact]
    public async Task EmbedAsync_LongPrompt_IsChunkedAndScheduledOnceToItsEnd()
    {
        var executor = new FakeStepExecutor();
        await using var engine = EngineFixture.Create(executor, new EngineOptions { MaxNumBatchedTokens = 8, ExecutorFaultBackoff = TimeSpan.FromMilliseconds(1) });
        var text = new string('a', 30);

        var result = await engine.EmbedAsync(new EmbeddingRequest("long", new TextPrompt(text), Normalize: false), default).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(FakeStepExecutor.EmbeddingOf(Ids(text)), result.Embedding);
        var scheduled = executor.PlansSoFar().SelectMany(p => p.NewRequests.Select(r => r.NumScheduledTokens).Concat(p.CachedRequests.Select(r => r.NumScheduledTokens)));
        Assert.Equal(30, scheduled.Sum());
        Assert.NotNull(Assert.Single(executor.PlansSoFar().SelectMany(p => p.NewRequests)).Pooling);
    }

    [Fact]
    public async Task EmbedAsync_SamePromptTwice_TheSecondUsesThePrefixCache()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());
        var text = new string('b', 17);

        var first = await engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt(text)), default).WaitAsync(EngineFixture.Timeout);
        var second = await engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt(text)), default).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(first.Embedding, second.Embedding);
        Assert.Equal(16, second.CachedPromptTokens);
    }

    [Fact]
    public async Task EmbedAsync_MeanPoolingModel_ComputesTheWholePromptEveryTime()
    {
        var pooling = FakeStepExecutor.DefaultPooling with { Mode = PoolingMode.Mean };
        var executor = new FakeStepExecutor(FakeStepExecutor.DefaultInfo(pooling: pooling));
        await using var engine = EngineFixture.Create(executor);
        var text = new string('b', 17);

        var first = await engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt(text)), default).WaitAsync(EngineFixture.Timeout);
        var second = await engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt(text)), default).WaitAsync(EngineFixture.Timeout);

        // A cache hit would skip positions the mean reads: both run all 17 tokens from position 0.
        Assert.Equal(first.Embedding, second.Embedding);
        Assert.Equal(0, second.CachedPromptTokens);
        Assert.All(executor.PlansSoFar().SelectMany(p => p.NewRequests), r => Assert.Equal((0, 17), (r.NumComputedTokens, r.NumScheduledTokens)));
    }

    [Fact]
    public async Task EmbedAsync_AlongsideGeneration_BothFinish()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var generation = engine.CollectAsync(EngineFixture.Text("abc", new GenerationParams { Temperature = 0, MaxTokens = 6 }));
        var embeddings = Enumerable.Range(0, 4).Select(i => engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt(new string('c', i + 2))), default)).ToArray();

        Assert.Equal(6, (await generation.WaitAsync(EngineFixture.Timeout)).TokenIds().Length);
        var results = await Task.WhenAll(embeddings).WaitAsync(EngineFixture.Timeout);
        Assert.Equal([2, 3, 4, 5], results.Select(r => r.PromptTokens));
        Assert.Equal(0, engine.NumAdmitted);
    }

    [Fact]
    public async Task EmbedAsync_PromptOfTheWholeModelLength_IsAccepted_LongerIsRefusedOrTruncated()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor(FakeStepExecutor.DefaultInfo(maxModelLength: 32)));

        var whole = await engine.EmbedAsync(new EmbeddingRequest(null, new TokenIdsPrompt([.. Enumerable.Repeat(7, 32)])), default).WaitAsync(EngineFixture.Timeout);
        var tooLong = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.EmbedAsync(new EmbeddingRequest(null, new TokenIdsPrompt([.. Enumerable.Repeat(7, 33)])), default));
        var truncated = await engine.EmbedAsync(
            new EmbeddingRequest(null, new TokenIdsPrompt([.. Enumerable.Range(1, 40)]), Normalize: false, TruncatePromptTokens: -1), default).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(32, whole.PromptTokens);
        Assert.Equal("prompt", tooLong.Field);
        Assert.Equal(FakeStepExecutor.EmbeddingOf([.. Enumerable.Range(9, 32)]), truncated.Embedding);
    }

    [Fact]
    public async Task EmbedAsync_ChatMessages_EmbedTheRenderedPrompt_AndATemplateFailureNamesMessages()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());
        const string messages = """[{"role":"user","content":"hi"}]""";

        var chat = await engine.EmbedAsync(
            new EmbeddingRequest(null, new ChatPrompt(new ChatTemplateInput(messages, null, AddGenerationPrompt: false, null))), default).WaitAsync(EngineFixture.Timeout);
        var text = await engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt($"<{messages}>")), default).WaitAsync(EngineFixture.Timeout);
        var error = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.EmbedAsync(new EmbeddingRequest(null, new ChatPrompt(new ChatTemplateInput("[]", null, false, null))), default));

        Assert.Equal(text.Embedding, chat.Embedding);
        Assert.Equal("messages", error.Field);
    }

    [Theory]
    [InlineData(0, null, "dimensions")]
    [InlineData(9, null, "dimensions")]
    [InlineData(null, 0, "truncate_prompt_tokens")]
    [InlineData(null, -2, "truncate_prompt_tokens")]
    public async Task EmbedAsync_BadField_IsRefusedNamingIt(int? dimensions, int? truncate, string field)
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt("x"), Dimensions: dimensions, TruncatePromptTokens: truncate), default));

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public async Task EmbedAsync_DimensionsOnAModelThatIsNotMatryoshka_IsRefusedAsVllmDoes()
    {
        var pooling = new PoolingInfo(8, Normalize: true, Matryoshka: false, MatryoshkaDimensions: []);
        await using var engine = EngineFixture.Create(new FakeStepExecutor(FakeStepExecutor.DefaultInfo(pooling: pooling)));

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt("x"), Dimensions: 4), default));

        Assert.Equal("dimensions", error.Field);
        Assert.Contains("does not support matryoshka representation", error.Message);
    }

    [Fact]
    public async Task EmbedAsync_MatryoshkaDimensionsList_OnlyThoseLengths()
    {
        var pooling = new PoolingInfo(8, Normalize: true, Matryoshka: true, MatryoshkaDimensions: [2, 4]);
        await using var engine = EngineFixture.Create(new FakeStepExecutor(FakeStepExecutor.DefaultInfo(pooling: pooling)));

        var four = await engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt("x"), Dimensions: 4), default).WaitAsync(EngineFixture.Timeout);
        var error = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt("x"), Dimensions: 3), default));

        Assert.Equal(4, four.Embedding.Length);
        Assert.Contains("[2, 4]", error.Message);
    }

    [Fact]
    public async Task EmbedAsync_ModelWithoutPooling_IsNotSupported()
    {
        var info = FakeStepExecutor.DefaultInfo() with { Pooling = null };
        await using var engine = EngineFixture.Create(new FakeStepExecutor(info));

        await Assert.ThrowsAsync<TaskNotSupportedException>(() => engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt("x")), default));
    }

    [Fact]
    public async Task Classifier_AnswersOnlyTheClassifyTask()
    {
        var info = FakeStepExecutor.DefaultInfo() with
        {
            Classifier = new ClassifierInfo(["LABEL_0"], ClassifierActivation.Sigmoid, ClassifierActivation.Sigmoid),
        };
        await using var engine = EngineFixture.Create(new FakeStepExecutor(info));

        var classified = await engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt("abc"), Task: PoolingTask.Classify), default);
        var embed = await Assert.ThrowsAsync<TaskNotSupportedException>(() => engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt("x")), default));
        var generate = await Assert.ThrowsAsync<TaskNotSupportedException>(async () =>
        {
            await foreach (var _ in engine.GenerateAsync(new GenerationRequest(null, new TextPrompt("x"), new GenerationParams()), default))
            {
            }
        });
        var normalize = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt("x"), Normalize: true, Task: PoolingTask.Classify), default));

        Assert.Equal(3, classified.PromptTokens);
        Assert.Contains("sequence classifier", embed.Message);
        Assert.Contains("does not generate", generate.Message);
        Assert.Equal("normalize", normalize.Field);
    }

    [Fact]
    public async Task ClassifyTask_OnAModelThatIsNoClassifier_IsNotSupported()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var error = await Assert.ThrowsAsync<TaskNotSupportedException>(() =>
            engine.EmbedAsync(new EmbeddingRequest(null, new TextPrompt("x"), Task: PoolingTask.Classify), default));

        Assert.Contains("not a sequence classifier", error.Message);
    }

    [Fact]
    public async Task EmbedAsync_DuplicateLiveId_IsRefused_AndAbortByIdCancelsIt()
    {
        var executor = new FakeStepExecutor(gated: true);
        await using var engine = EngineFixture.Create(executor);
        var running = engine.EmbedAsync(new EmbeddingRequest("dup", new TextPrompt("abc")), default);
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.NumRunning + engine.Snapshot.NumWaiting == 1);

        await Assert.ThrowsAsync<DuplicateRequestIdException>(() => engine.EmbedAsync(new EmbeddingRequest("dup", new TextPrompt("abc")), default));
        Assert.True(engine.Abort("dup"));
        executor.AllowSteps(5);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(EngineFixture.Timeout));
        Assert.Equal(0, engine.NumAdmitted);
    }

    [Fact]
    public async Task EmbedAsync_CallerCancels_FreesTheRequest()
    {
        var executor = new FakeStepExecutor(gated: true);
        await using var engine = EngineFixture.Create(executor);
        using var cancel = new CancellationTokenSource();
        var running = engine.EmbedAsync(new EmbeddingRequest("c", new TextPrompt("abc")), cancel.Token);
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.NumRunning + engine.Snapshot.NumWaiting == 1);

        await cancel.CancelAsync();
        executor.AllowSteps(5);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(EngineFixture.Timeout));
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.NumRunning + engine.Snapshot.NumWaiting == 0);
    }
}
