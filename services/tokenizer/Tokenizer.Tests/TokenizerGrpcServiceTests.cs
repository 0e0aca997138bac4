using Inference.Testing.Logging;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.Logging;
using Contracts = Inference.Contracts.Tokenizer.V1;

namespace Tokenizer.Tests;

public sealed class TokenizerGrpcServiceTests
{
    private static readonly TimeSpan LogWaitTimeout = TimeSpan.FromSeconds(30);

    private static CallOptions Deadline => new(deadline: DateTime.UtcNow.AddSeconds(30));

    [Fact]
    public async Task Service_OverLoopback_EncodesDecodesAndReportsInfo()
    {
        await using TokenizerServiceHost host = await TokenizerServiceHost.StartAsync(Fixtures.Qwen3Directory);

        HealthCheckResponse.Types.ServingStatus status = await WaitForServingAsync(new Health.HealthClient(host.Channel));
        var info = await host.Client.GetInfoAsync(new Contracts.GetInfoRequest(), Deadline);
        var encoded = await host.Client.EncodeAsync(new Contracts.EncodeRequest { Text = "<|im_start|>user\nhi<|im_end|>", ParseSpecialTokens = true }, Deadline);
        var decoded = await host.Client.DecodeAsync(new Contracts.DecodeRequest { Ids = { encoded.Ids }, SkipSpecialTokens = true }, Deadline);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status);
        Assert.Equal(151669, info.VocabSize);
        Assert.Equal([151645], info.EosTokenIds);
        Assert.Equal(-1, info.BosTokenId);
        Assert.True(info.HasChatTemplate);
        Assert.Equal([151644, 872, 198, 6023, 151645], encoded.Ids);
        Assert.Equal("user\nhi", decoded.Text);
    }

    [Fact]
    public async Task DecodeEach_GivesEachIdsTextAlone_InOrder()
    {
        await using TokenizerServiceHost host = await TokenizerServiceHost.StartAsync(Fixtures.Qwen3Directory);

        var each = await host.Client.DecodeEachAsync(new Contracts.DecodeEachRequest { Ids = { 151644, 872, 198, 6023 } }, Deadline);

        Assert.Equal(["<|im_start|>", "user", "\n", "hi"], each.Texts);
    }

    [Fact]
    public async Task ConvertIdsToTokens_SpellsEachIdAsHuggingFace_AndAnUnknownIdIsInvalidArgument()
    {
        await using TokenizerServiceHost host = await TokenizerServiceHost.StartAsync(Fixtures.Qwen3Directory);

        var tokens = await host.Client.ConvertIdsToTokensAsync(new Contracts.ConvertIdsToTokensRequest { Ids = { 151644, 9707, 1879, 198 } }, Deadline);
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await host.Client.ConvertIdsToTokensAsync(new Contracts.ConvertIdsToTokensRequest { Ids = { 1, 999_999 } }, Deadline));

        Assert.Equal(["<|im_start|>", "Hello", "\u0120world", "\u010a"], tokens.Tokens);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("ids[1]", error.Status.Detail);
    }

    [Fact]
    public async Task Encode_TextOverLimit_IsInvalidArgumentNamingTextAndLimit()
    {
        await using TokenizerServiceHost host = await TokenizerServiceHost.StartAsync(Fixtures.Qwen3Directory, maxInputChars: 5);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await host.Client.EncodeAsync(new Contracts.EncodeRequest { Text = "123456" }, Deadline));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("text must be at most 5 characters, got 6", error.Status.Detail);
    }

    [Fact]
    public async Task Detokenize_StreamsOneResponsePerIdsMessageAndStopsAtStopString()
    {
        await using TokenizerServiceHost host = await TokenizerServiceHost.StartAsync(Fixtures.Qwen3Directory);
        int[] ids = Fixtures.Qwen3.Encode("Hello world! END of text");
        using var call = host.Client.Detokenize(Deadline);

        await call.RequestStream.WriteAsync(new Contracts.DetokenizeRequest { Start = new Contracts.DetokenizeStart { Stop = { " END" } } });
        var deltas = new List<Contracts.DetokenizeResponse>();
        foreach (int id in ids)
        {
            await call.RequestStream.WriteAsync(new Contracts.DetokenizeRequest { Ids = new Contracts.DetokenizeIds { Ids = { id } } });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            deltas.Add(call.ResponseStream.Current);
        }
        await call.RequestStream.CompleteAsync();

        Assert.Equal(ids.Length, deltas.Count);
        Assert.Equal("Hello world!", string.Concat(deltas.Select(d => d.TextDelta)));
        Assert.Contains(deltas, d => d.Stopped && d.MatchedStop == " END");
    }

    [Fact]
    public async Task Detokenize_WithMinTokens_IgnoresStopStringsInTheFirstIds()
    {
        await using TokenizerServiceHost host = await TokenizerServiceHost.StartAsync(Fixtures.Qwen3Directory);
        int[] ids = Fixtures.Qwen3.Encode("END one END two");
        using var call = host.Client.Detokenize(Deadline);

        await call.RequestStream.WriteAsync(new Contracts.DetokenizeRequest
        {
            Start = new Contracts.DetokenizeStart { Stop = { "END" }, MinTokens = Fixtures.Qwen3.Encode("END one").Length },
        });
        await call.RequestStream.WriteAsync(new Contracts.DetokenizeRequest { Ids = new Contracts.DetokenizeIds { Ids = { ids } } });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        await call.RequestStream.CompleteAsync();

        Assert.Equal("END one ", call.ResponseStream.Current.TextDelta);
        Assert.True(call.ResponseStream.Current.Stopped);
    }

    [Fact]
    public async Task Detokenize_CallerCompletesThenResets_EndsWithoutWarningsOrErrors()
    {
        using var logs = new CapturingLoggerProvider();
        await using TokenizerServiceHost host = await TokenizerServiceHost.StartAsync(Fixtures.Qwen3Directory, logs: logs);
        using var call = host.Client.Detokenize(Deadline);

        // The scheduler's end of a request: push ids, read each delta, half-close, then dispose (which resets the stream).
        await StartAndPushAsync(call, readDeltas: true);
        await call.RequestStream.CompleteAsync();
        call.Dispose();
        await logs.WaitForAsync(log => TokenizerServiceHost.IsRequestFinished(log, "/Detokenize"), 1, LogWaitTimeout);

        Assert.Empty(logs.AtLeast(LogLevel.Warning));
    }

    [Fact]
    public async Task Detokenize_CallerCancels_EndsWithoutWarningsOrErrors()
    {
        using var logs = new CapturingLoggerProvider();
        await using TokenizerServiceHost host = await TokenizerServiceHost.StartAsync(Fixtures.Qwen3Directory, logs: logs);
        // Whether the reset or the cancelled token reaches the handler first varies, so cancel several streams.
        const int streams = 8;

        for (int i = 0; i < streams; i++)
        {
            using var cancel = new CancellationTokenSource();
            using var call = host.Client.Detokenize(Deadline.WithCancellationToken(cancel.Token));
            await StartAndPushAsync(call, readDeltas: false);
            cancel.Cancel();
        }
        await logs.WaitForAsync(log => TokenizerServiceHost.IsRequestFinished(log, "/Detokenize"), streams, LogWaitTimeout);

        Assert.Empty(logs.AtLeast(LogLevel.Warning));
    }

    [Fact]
    public async Task Detokenize_FirstMessageNotStart_IsInvalidArgument()
    {
        await using TokenizerServiceHost host = await TokenizerServiceHost.StartAsync(Fixtures.Qwen3Directory);
        using var call = host.Client.Detokenize(Deadline);

        await call.RequestStream.WriteAsync(new Contracts.DetokenizeRequest { Ids = new Contracts.DetokenizeIds { Ids = { 1 } } });
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("start", error.Status.Detail);
    }

    [Fact]
    public async Task DetokenizeMany_InterleavedSequences_EachGetsTheTextDetokenizeGivesIt()
    {
        await using TokenizerServiceHost host = await TokenizerServiceHost.StartAsync(Fixtures.Qwen3Directory);
        int[] first = Fixtures.Qwen3.Encode("Hello world! END of text");
        int[] second = Fixtures.Qwen3.Encode("naïve café, 東京 🙂");
        using var call = host.Client.DetokenizeMany(Deadline);
        var texts = new Dictionary<ulong, string> { [1] = "", [2] = "" };
        var stopped = new Dictionary<ulong, string>();

        var opening = new Contracts.DetokenizeManyRequest();
        opening.Items.Add(new Contracts.DetokenizeItem { SequenceId = 1, Start = new Contracts.DetokenizeStart { Stop = { " END" } } });
        opening.Items.Add(new Contracts.DetokenizeItem { SequenceId = 2, Start = new Contracts.DetokenizeStart() });
        await call.RequestStream.WriteAsync(opening);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Empty(call.ResponseStream.Current.Results);
        for (int i = 0; i < Math.Max(first.Length, second.Length); i++)
        {
            var message = new Contracts.DetokenizeManyRequest();
            if (i < second.Length)
            {
                message.Items.Add(Ids(2, second[i], final: i == second.Length - 1));
            }

            if (i < first.Length && !stopped.ContainsKey(1))
            {
                message.Items.Add(Ids(1, first[i], final: false));
            }

            await call.RequestStream.WriteAsync(message);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            var results = call.ResponseStream.Current.Results;
            Assert.Equal(message.Items.Select(item => item.SequenceId), results.Select(r => r.SequenceId));
            foreach (var result in results)
            {
                Assert.Equal("", result.Error);
                texts[result.SequenceId] += result.Delta.TextDelta;
                if (result.Delta.Stopped)
                {
                    stopped[result.SequenceId] = result.Delta.MatchedStop;
                }
            }
        }

        await call.RequestStream.CompleteAsync();

        Assert.Equal("Hello world!", texts[1]);
        Assert.Equal(" END", stopped[1]);
        Assert.Equal("naïve café, 東京 🙂", texts[2]);
        Assert.False(stopped.ContainsKey(2));
    }

    [Fact]
    public async Task DetokenizeMany_RefusedItems_AnswerAnErrorAndTheOtherSequencesGoOn()
    {
        await using TokenizerServiceHost host = await TokenizerServiceHost.StartAsync(Fixtures.Qwen3Directory);
        int hello = Fixtures.Qwen3.Encode("Hello").Single();
        using var call = host.Client.DetokenizeMany(Deadline);

        var message = new Contracts.DetokenizeManyRequest();
        message.Items.Add(new Contracts.DetokenizeItem { SequenceId = 1, Start = new Contracts.DetokenizeStart() });
        message.Items.Add(new Contracts.DetokenizeItem { SequenceId = 2, Start = new Contracts.DetokenizeStart { MinTokens = -1 } });
        message.Items.Add(Ids(3, hello, final: false));
        message.Items.Add(Ids(1, hello, final: false));
        message.Items.Add(new Contracts.DetokenizeItem { SequenceId = 1, Close = true });
        message.Items.Add(Ids(1, hello, final: false));
        await call.RequestStream.WriteAsync(message);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var results = call.ResponseStream.Current.Results;
        await call.RequestStream.CompleteAsync();

        Assert.Equal([2UL, 3UL, 1UL, 1UL], results.Select(r => r.SequenceId));
        Assert.Contains("min_tokens", results[0].Error);
        Assert.Contains("not open", results[1].Error);
        Assert.Equal(("", "Hello"), (results[2].Error, results[2].Delta.TextDelta));
        Assert.Contains("not open", results[3].Error);
    }

    [Fact]
    public async Task ApplyChatTemplate_RendersAndTokenizes()
    {
        await using TokenizerServiceHost host = await TokenizerServiceHost.StartAsync(Fixtures.Qwen3Directory);

        var response = await host.Client.ApplyChatTemplateAsync(new Contracts.ApplyChatTemplateRequest
        {
            MessagesJson = """[{"role": "user", "content": "Hi"}]""",
            AddGenerationPrompt = true,
            TemplateKwargsJson = """{"enable_thinking": false}""",
            Tokenize = true,
        }, Deadline);

        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", response.Prompt);
        Assert.Equal(Fixtures.Qwen3.Encode(response.Prompt), response.Ids);
    }

    [Fact]
    public async Task ApplyChatTemplate_ARequestsOwnTemplate_IsRenderedInsteadOfTheModels_AndOneThatDoesNotParseIsInvalidArgument()
    {
        await using TokenizerServiceHost host = await TokenizerServiceHost.StartAsync(Fixtures.Qwen3Directory);

        var own = await host.Client.ApplyChatTemplateAsync(new Contracts.ApplyChatTemplateRequest
        {
            MessagesJson = """[{"role": "user", "content": "Hi"}]""",
            ChatTemplate = "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}",
            AddGenerationPrompt = true,
            Tokenize = true,
        }, Deadline);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await host.Client.ApplyChatTemplateAsync(
            new Contracts.ApplyChatTemplateRequest { MessagesJson = """[{"role": "user", "content": "Hi"}]""", ChatTemplate = "{% for m in messages %}" }, Deadline));

        Assert.Equal("<user>Hi<assistant>", own.Prompt);
        Assert.Equal(Fixtures.Qwen3.Encode(own.Prompt), own.Ids);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("does not parse", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyChatTemplate_InvalidMessagesJson_IsInvalidArgument()
    {
        await using TokenizerServiceHost host = await TokenizerServiceHost.StartAsync(Fixtures.Qwen3Directory);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await host.Client.ApplyChatTemplateAsync(new Contracts.ApplyChatTemplateRequest { MessagesJson = "[{" }, Deadline));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("messages_json", error.Status.Detail);
    }

    private static Contracts.DetokenizeItem Ids(ulong sequenceId, int id, bool final) =>
        new() { SequenceId = sequenceId, Ids = new Contracts.DetokenizeIds { Ids = { id }, Final = final } };

    /// <summary>Opens the stream and pushes "Hello world" one id per message, reading each delta when asked.</summary>
    private static async Task StartAndPushAsync(AsyncDuplexStreamingCall<Contracts.DetokenizeRequest, Contracts.DetokenizeResponse> call, bool readDeltas)
    {
        await call.RequestStream.WriteAsync(new Contracts.DetokenizeRequest { Start = new Contracts.DetokenizeStart() });
        foreach (int id in Fixtures.Qwen3.Encode("Hello world"))
        {
            await call.RequestStream.WriteAsync(new Contracts.DetokenizeRequest { Ids = new Contracts.DetokenizeIds { Ids = { id } } });
            if (readDeltas)
            {
                Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            }
        }
    }

    /// <summary>Health is published shortly after start; poll, bounded.</summary>
    private static async Task<HealthCheckResponse.Types.ServingStatus> WaitForServingAsync(Health.HealthClient health)
    {
        DateTime giveUp = DateTime.UtcNow.AddSeconds(20);
        HealthCheckResponse.Types.ServingStatus status;
        do
        {
            status = (await health.CheckAsync(new HealthCheckRequest(), Deadline)).Status;
            if (status == HealthCheckResponse.Types.ServingStatus.Serving)
            {
                break;
            }
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < giveUp);
        return status;
    }
}
