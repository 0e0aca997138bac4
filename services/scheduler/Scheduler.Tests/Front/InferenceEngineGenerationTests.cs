using Inference.Abstractions.Generation;
using Scheduler.Core;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

public sealed class InferenceEngineGenerationTests
{
    [Fact]
    public async Task GenerateAsync_TextPrompt_StreamsTokensTextAndFinalUsage()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var outputs = await engine.CollectAsync(EngineFixture.Text("abc", new GenerationParams { MaxTokens = 3, Temperature = 0 }, "r1"))
            .WaitAsync(EngineFixture.Timeout);

        Assert.Equal([100, 101, 102], outputs.TokenIds());
        Assert.Equal("def", outputs.Text());
        Assert.Equal([97, 98, 99], outputs[0].PromptTokenIds);
        Assert.All(outputs.Skip(1), o => Assert.Null(o.PromptTokenIds));
        Assert.All(outputs, o => Assert.Equal("r1", o.RequestId));
        var last = outputs[^1];
        Assert.Equal(FinishReason.Length, last.Finish);
        Assert.Equal(new GenerationUsage(3, 3, 0), last.Usage);
        Assert.All(outputs.SkipLast(1), o => Assert.Null(o.Finish));
    }

    [Fact]
    public async Task GenerateAsync_Prediction_GivesTheSameTokensInFewerSteps_AndCountsThemInTheUsage()
    {
        var plainExecutor = new FakeStepExecutor();
        var predictedExecutor = new FakeStepExecutor();
        await using var plainEngine = EngineFixture.Create(plainExecutor);
        await using var predictedEngine = EngineFixture.Create(predictedExecutor);
        var p = new GenerationParams { MaxTokens = 12, Temperature = 0 };

        var plain = await plainEngine.CollectAsync(EngineFixture.Text("abc", p)).WaitAsync(EngineFixture.Timeout);
        // The fake model goes on from c with d, e, f, ...; the prediction is right for eight tokens, then wrong.
        var predicted = await predictedEngine.CollectAsync(EngineFixture.Text("abc", p with { Prediction = "defghijkXYZ" })).WaitAsync(EngineFixture.Timeout);

        Assert.Equal("defghijklmno", plain.Text());
        Assert.Equal(plain.Text(), predicted.Text());
        Assert.True(predictedExecutor.PlansSoFar().Length < plainExecutor.PlansSoFar().Length);
        Assert.Equal(new GenerationUsage(3, 12, 0, PredictionTokens: 11, AcceptedPredictionTokens: 8), predicted[^1].Usage);
        Assert.Equal(3, predicted[^1].Usage!.RejectedPredictionTokens);
        Assert.Equal(new GenerationUsage(3, 12, 0), plain[^1].Usage);
    }

    [Fact]
    public async Task GenerateAsync_SuffixWithATokenizerWithoutFimTokens_IsRefusedNamingSuffix()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.CollectAsync(EngineFixture.Text("def f(", new GenerationParams { MaxTokens = 3, Suffix = "):" })));

        Assert.Equal("suffix", error.Field);
        Assert.Contains("has no <|fim_prefix|> token", error.Message);
    }

    [Fact]
    public async Task GenerateAsync_SuffixWithChatMessages_IsRefusedNamingSuffix()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());
        var chat = new GenerationRequest(null, new ChatPrompt(new Inference.Abstractions.Text.ChatTemplateInput("""[{"role":"user","content":"hi"}]""", null, AddGenerationPrompt: true, null)),
            new GenerationParams { MaxTokens = 3, Suffix = "x" });

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() => engine.CollectAsync(chat));

        Assert.Equal("suffix", error.Field);
    }

    [Fact]
    public async Task GenerateAsync_TruncatePromptTokens_KeepsThePromptsLastTokens()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var outputs = await engine.CollectAsync(EngineFixture.Text("abcde", new GenerationParams { MaxTokens = 1, TruncatePromptTokens = 2 }))
            .WaitAsync(EngineFixture.Timeout);

        Assert.Equal("de".Select(c => (int)c), outputs[0].PromptTokenIds!);
        Assert.Equal(2, outputs[^1].Usage!.PromptTokens);
    }

    [Fact]
    public async Task GenerateAsync_TruncatePromptTokensMinusOne_KeepsWhatFitsBeforeMaxTokens()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());
        var prompt = new string('a', 150) + "xyz";

        var outputs = await engine.CollectAsync(EngineFixture.Text(prompt, new GenerationParams { MaxTokens = 8, TruncatePromptTokens = -1 }))
            .WaitAsync(EngineFixture.Timeout);

        Assert.Equal(engine.MaxModelLength - 8, outputs[0].PromptTokenIds!.Count);
        Assert.Equal("xyz".Select(c => (int)c), outputs[0].PromptTokenIds!.TakeLast(3));
        Assert.Equal(8, outputs[^1].Usage!.CompletionTokens);
    }

    [Fact]
    public async Task GenerateAsync_BadWords_ReachTheWorkerTokenizedWithoutLeadingSpace()
    {
        var executor = new FakeStepExecutor();
        await using var engine = EngineFixture.Create(executor);

        await engine.CollectAsync(EngineFixture.Text("abc", new GenerationParams { MaxTokens = 1, BadWords = ["xy", " q"] }, "bw"))
            .WaitAsync(EngineFixture.Timeout);

        // The fake tokenizer spells every character as one token, so a spaced word is always longer and is not added.
        var sent = executor.PlansSoFar().SelectMany(plan => plan.NewRequests).Single(r => r.RequestId == "bw").Sampling.BadWords!;
        Assert.Equal([[(int)'x', (int)'y'], [(int)'q']], sent.Select(w => w.ToArray()));
    }

    [Fact]
    public async Task GenerateAsync_Eos_FinishesWithStopAndSkipsTheSpecialToken()
    {
        var executor = new FakeStepExecutor(nextToken: last => last == 'c' ? FakeTextTokenizer.EosId : last + 1);
        await using var engine = EngineFixture.Create(executor);

        var outputs = await engine.CollectAsync(EngineFixture.Text("a")).WaitAsync(EngineFixture.Timeout);

        Assert.Equal("bc", outputs.Text());
        Assert.Equal(FinishReason.Stop, outputs[^1].Finish);
        Assert.Equal(3, outputs[^1].Usage!.CompletionTokens);
    }

    [Fact]
    public async Task GenerateAsync_EosWithSpecialTokensKept_LeavesTheEosOutOfTheText()
    {
        // As vLLM's detokenizer: the token that ended the answer is no part of its text, special or not.
        var executor = new FakeStepExecutor(nextToken: last => last == 'c' ? FakeTextTokenizer.EosId : last + 1);
        await using var engine = EngineFixture.Create(executor);

        var outputs = await engine.CollectAsync(EngineFixture.Text("a", new GenerationParams { SkipSpecialTokens = false })).WaitAsync(EngineFixture.Timeout);

        Assert.Equal("bc", outputs.Text());
        Assert.Equal(FakeTextTokenizer.EosId, outputs.SelectMany(o => o.NewTokens).Last().TokenId);
    }

    [Theory]
    [InlineData(false, "bc")]
    [InlineData(true, "bcd")]
    public async Task GenerateAsync_StopTokenId_IsInTheTextOnlyWithIncludeStopStrInOutput(bool include, string text)
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());
        var p = new GenerationParams { Temperature = 0, StopTokenIds = ['d'], IncludeStopStrInOutput = include, MaxTokens = 50 };

        var outputs = await engine.CollectAsync(EngineFixture.Text("a", p)).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(text, outputs.Text());
        Assert.Equal((FinishReason.Stop, "100"), (outputs[^1].Finish, outputs[^1].StopReason));
        Assert.Equal("bcd", string.Concat(outputs.SelectMany(o => o.NewTokens).Select(t => (char)t.TokenId)));
        Assert.Equal(3, outputs[^1].Usage!.CompletionTokens);
    }

    [Fact]
    public async Task GenerateAsync_StopString_EndsWithStopStringAndAbortsTheRequestInTheEngine()
    {
        var executor = new FakeStepExecutor();
        await using var engine = EngineFixture.Create(executor);
        var p = new GenerationParams { Temperature = 0, Stop = ["de"], MaxTokens = 50 };

        var outputs = await engine.CollectAsync(EngineFixture.Text("a", p, "s")).WaitAsync(EngineFixture.Timeout);
        await engine.CollectAsync(EngineFixture.Text("x", new GenerationParams { MaxTokens = 2 })).WaitAsync(EngineFixture.Timeout);

        Assert.Equal("bc", outputs.Text());
        Assert.Equal((FinishReason.StopString, "de"), (outputs[^1].Finish, outputs[^1].StopReason));
        Assert.Contains(executor.PlansSoFar(), plan => plan.FinishedRequestIds.Contains("s"));
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.KvCacheUsage == 0);
    }

    [Fact]
    public async Task GenerateAsync_StopStringIncludedInOutput_KeepsTheMatchedText()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());
        var p = new GenerationParams { Temperature = 0, Stop = ["de"], IncludeStopStrInOutput = true };

        var outputs = await engine.CollectAsync(EngineFixture.Text("a", p)).WaitAsync(EngineFixture.Timeout);

        Assert.Equal("bcde", outputs.Text());
    }

    [Fact]
    public async Task GenerateAsync_ChatPrompt_RendersTheTemplateThenEncodes()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());
        var chat = new ChatPrompt(new Inference.Abstractions.Text.ChatTemplateInput("[1]", null, true, null));

        var outputs = await engine.CollectAsync(new GenerationRequest(null, chat, new GenerationParams { MaxTokens = 1 }))
            .WaitAsync(EngineFixture.Timeout);

        Assert.Equal("<[1]>".Select(c => (int)c), outputs[0].PromptTokenIds!);
        Assert.StartsWith("req-", outputs[0].RequestId);
    }

    [Fact]
    public async Task GenerateAsync_ChatPrompt_CostsOneTokenizerCallToGetItsIds()
    {
        var tokenizer = new FakeTextTokenizer();
        await using var engine = EngineFixture.Create(new FakeStepExecutor(), tokenizer: tokenizer);
        var chat = new ChatPrompt(new Inference.Abstractions.Text.ChatTemplateInput("[1]", null, true, null));

        await engine.CollectAsync(new GenerationRequest(null, chat, new GenerationParams { MaxTokens = 1 })).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(1, tokenizer.PromptCalls);
    }

    [Fact]
    public async Task GenerateAsync_ConcurrentRequests_JoinTheRunningBatchMidFlight()
    {
        var executor = new FakeStepExecutor(gated: true);
        await using var engine = EngineFixture.Create(executor);
        await using var first = engine.GenerateAsync(EngineFixture.Text("abc", new GenerationParams { MaxTokens = 6 }, "a"), default)
            .GetAsyncEnumerator();
        executor.AllowSteps(2);
        await first.NextAsync();
        await first.NextAsync();

        var second = engine.CollectAsync(EngineFixture.Text("xyz", new GenerationParams { MaxTokens = 3 }, "b"));
        executor.AllowSteps(100);
        var secondOutputs = await second.WaitAsync(EngineFixture.Timeout);
        var firstRest = new List<GenerationOutput>();
        while (await first.MoveNextAsync().AsTask().WaitAsync(EngineFixture.Timeout))
        {
            firstRest.Add(first.Current);
        }

        Assert.Equal("{|}", secondOutputs.Text());
        Assert.Equal(FinishReason.Length, firstRest[^1].Finish);
        var joined = executor.PlansSoFar().First(plan => plan.NewRequests.Any(r => r.RequestId == "b"));
        Assert.Equal(["a"], joined.CachedRequests.Select(r => r.RequestId));
        Assert.True(joined.StepId >= 2);
        var together = executor.PlansSoFar().Where(p => p.CachedRequests.Select(r => r.RequestId).Order().SequenceEqual(["a", "b"]));
        Assert.NotEmpty(together);
    }

    [Fact]
    public async Task GenerateAsync_Cancelled_AbortsTheRequestAndFreesItsBlocks()
    {
        var executor = new FakeStepExecutor(gated: true);
        await using var engine = EngineFixture.Create(executor);
        using var cancel = new CancellationTokenSource();
        var stream = engine.GenerateAsync(EngineFixture.Text("abcdefghij", new GenerationParams { MaxTokens = 50 }, "c"), cancel.Token)
            .GetAsyncEnumerator(cancel.Token);
        executor.AllowSteps(1);
        await stream.NextAsync();
        Assert.True(engine.Snapshot.KvCacheUsage > 0);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stream.MoveNextAsync().AsTask().WaitAsync(EngineFixture.Timeout));
        await stream.DisposeAsync();
        executor.AllowSteps(1); // the step already in flight completes; the abort applies right after it
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.KvCacheUsage == 0 && engine.Snapshot.NumRunning == 0);

        var next = engine.CollectAsync(EngineFixture.Text("z", new GenerationParams { MaxTokens = 1 }));
        executor.AllowSteps(10);
        await next.WaitAsync(EngineFixture.Timeout);
        Assert.Contains("c", executor.PlansSoFar()[^1].FinishedRequestIds);
        Assert.DoesNotContain("c", executor.HeldRequestIds);
    }

    [Fact]
    public async Task GenerateAsync_ExecutorFaults_RequeuesAndCompletesWithoutLosingTokens()
    {
        var executor = new FakeStepExecutor();
        await using var engine = EngineFixture.Create(executor);
        var reference = await engine.CollectAsync(EngineFixture.Text("abc", new GenerationParams { MaxTokens = 5 })).WaitAsync(EngineFixture.Timeout);

        executor.FailNextSteps(2);
        var outputs = await engine.CollectAsync(EngineFixture.Text("abc", new GenerationParams { MaxTokens = 5 }, "f")).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(reference.TokenIds(), outputs.TokenIds());
        Assert.Equal(FinishReason.Length, outputs[^1].Finish);
        var sentAsNew = executor.PlansSoFar().Count(p => p.NewRequests.Any(r => r.RequestId == "f"));
        Assert.Equal(3, sentAsNew);
    }

    [Fact]
    public async Task GenerateAsync_ExecutorFaultMidGeneration_ResumesWithPromptPlusOutput()
    {
        var executor = new FakeStepExecutor(gated: true);
        await using var engine = EngineFixture.Create(executor);
        var run = engine.CollectAsync(EngineFixture.Text("abc", new GenerationParams { MaxTokens = 4 }, "m"));
        executor.AllowSteps(2);
        await EngineFixture.EventuallyAsync(() => executor.PlansSoFar().Length == 2);

        executor.FailNextSteps(1);
        executor.AllowSteps(10);
        var outputs = await run.WaitAsync(EngineFixture.Timeout);

        Assert.Equal("defg", outputs.Text());
        var resumed = executor.PlansSoFar().Skip(3).First().NewRequests.Single();
        Assert.Equal("abcde".Select(c => (int)c), resumed.TokenIds);
        Assert.Equal(3, resumed.NumPromptTokens);
    }
}
