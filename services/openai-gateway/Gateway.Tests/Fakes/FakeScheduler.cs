using System.Collections.Concurrent;
using Grpc.Core;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Fakes;

/// <summary>
/// A scheduler that answers from a script: deterministic ids (100 + piece index), logprobs (-0.5 per token) and
/// alternatives (ids 200 + k with logprob -1 - k), and prompt logprobs when asked (see <see cref="PromptLogprobs"/>). Empty prompts are refused as the real one refuses them.
/// </summary>
public sealed partial class FakeScheduler : Generation.GenerationBase
{
    public const string ModelName = "qwen-fake";
    public const int MaxModelLen = 4096;
    public const int PromptTokens = 7;

    public ConcurrentQueue<GenerateRequest> Requests { get; } = new();

    private readonly ConcurrentDictionary<string, byte> _running = new();

    /// <summary>Frees a running request's id when its call ends.</summary>
    private readonly struct RunningId(ConcurrentDictionary<string, byte> running, string id) : IDisposable
    {
        public void Dispose() => running.TryRemove(id, out _);
    }

    /// <summary>The W3C traceparent header of each Generate call, by its prompt text (empty when none came).</summary>
    public ConcurrentDictionary<string, string> TraceParents { get; } = new();

    /// <summary>Chooses the reply to a request; tests replace it.</summary>
    public Func<GenerateRequest, FakeReply> Script { get; set; } = _ => FakeReply.Default;

    /// <summary>The LoRA adapters GetModelInfo lists (none by default), and the only names Generate and Embed take as
    /// lora_name. Those loaded at start are set before the gateway first asks (a host's constructor): the gateway
    /// remembers the answer. <see cref="FakeLoraAdapters"/> changes it as runtime loads and unloads do.</summary>
    public IReadOnlyList<Inference.Contracts.Common.V1.LoraAdapter> LoraAdapters { get; set; } = [];

    /// <summary>The classifier GetModelInfo reports (none by default: the model embeds and generates); set before the gateway first asks.</summary>
    public Inference.Contracts.Common.V1.Classifier? Classifier { get; set; }

    /// <summary>A two-label sentiment classifier (negative, positive) whose classify and score answers go through softmax.</summary>
    public static Inference.Contracts.Common.V1.Classifier SentimentClassifier() => new()
    {
        Labels = { "negative", "positive" },
        ClassifyActivation = Inference.Contracts.Common.V1.ClassifierActivation.Softmax,
        ScoreActivation = Inference.Contracts.Common.V1.ClassifierActivation.Softmax,
    };

    private int _modelInfoCalls;

    /// <summary>How many times GetModelInfo was asked.</summary>
    public int ModelInfoCalls => Volatile.Read(ref _modelInfoCalls);

    /// <summary>Ready workers, reported by GetModelInfo and GetStatus; with none, GetStatus says "no ready worker".</summary>
    public int NumWorkers { get; set; } = 1;

    /// <summary>What the scheduler's <c>GET /metrics</c> answers (served over h2c beside the gRPC services).</summary>
    public string MetricsText { get; set; } = DefaultMetricsText;

    public const string DefaultMetricsText = """
        # HELP vllm:num_requests_running Number of requests in model execution batches.
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{model_name="qwen-fake",worker="worker-0"} 0
        # HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
        # TYPE vllm:kv_cache_usage_perc gauge
        vllm:kv_cache_usage_perc{model_name="qwen-fake",worker="worker-0"} 0.25

        """;

    /// <summary>
    /// When set, Generate refuses with RESOURCE_EXHAUSTED while this many calls are in flight, at once, as the real
    /// scheduler's admission bound does.
    /// </summary>
    public int? MaxConcurrentRequests { get; set; }

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancelled = new();
    private int _inFlight;

    /// <summary>Completes when the hanging (or held) call whose text prompt is <paramref name="promptText"/> sees its cancellation.</summary>
    public Task CancelledAsync(string promptText) => CancelledSignal(promptText).Task;

    /// <summary>Completes when the hanging (or held) call with this request id sees its cancellation (a chat prompt has no text).</summary>
    public Task RequestCancelledAsync(string requestId) => CancelledSignal(RequestKey(requestId)).Task;

    /// <summary>Completes once no Generate call is in flight (the cancellation of an abandoned one has arrived).</summary>
    public async Task IdleAsync(CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref _inFlight) > 0)
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    public override Task<GetModelInfoResponse> GetModelInfo(GetModelInfoRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _modelInfoCalls);
        return Task.FromResult(new GetModelInfoResponse
        {
            ModelName = ModelName,
            MaxModelLen = MaxModelLen,
            VocabSize = 151936,
            NumWorkers = NumWorkers,
            LoraAdapters = { LoraAdapters },
            Classifier = Classifier,
        });
    }

    public override Task<GetStatusResponse> GetStatus(GetStatusRequest request, ServerCallContext context)
    {
        var status = new GetStatusResponse
        {
            Ready = NumWorkers >= 1,
            TokenizerReady = true,
            ModelName = ModelName,
            NumRequests = Volatile.Read(ref _inFlight),
            MaxConcurrentRequests = MaxConcurrentRequests ?? 64,
        };
        for (var i = 0; i < NumWorkers; i++)
        {
            status.Workers.Add(new WorkerStatus
            {
                WorkerId = $"worker-{i}",
                Address = $"http://127.0.0.1:{50061 + i}",
                InstanceId = $"instance-{i}",
                State = WorkerState.Ready,
                NumBlocks = 1024,
            });
        }

        if (NumWorkers == 0)
        {
            status.NotReadyReasons.Add("no ready worker");
        }

        return Task.FromResult(status);
    }

    public override async Task Generate(
        GenerateRequest request, IServerStreamWriter<GenerateResponse> responseStream, ServerCallContext context)
    {
        Requests.Enqueue(request);
        TraceParents[request.Text] = context.RequestHeaders.GetValue("traceparent") ?? "";
        if (request.PromptCase == GenerateRequest.PromptOneofCase.Text && request.Text.Length == 0
            || request.PromptCase == GenerateRequest.PromptOneofCase.TokenIds && request.TokenIds.Ids.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "prompt must not be empty"));
        }

        RefuseUnknownAdapter(request.LoraName);
        if (Script(request).Refusal is var (field, message))
        {
            throw Inference.Contracts.Mapping.ValidationErrors.ToRpcException(new Inference.Abstractions.Generation.GenerationValidationException(field, message));
        }

        if (!_running.TryAdd(request.RequestId, 0))
        {
            // As the engine: a request id a running request holds is refused, nothing queued.
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"request_id '{request.RequestId}' is already in use by a running request."));
        }

        using var release = new RunningId(_running, request.RequestId);
        if (Interlocked.Increment(ref _inFlight) > MaxConcurrentRequests)
        {
            Interlocked.Decrement(ref _inFlight);
            throw new RpcException(new Status(
                StatusCode.ResourceExhausted, $"max_concurrent_requests ({MaxConcurrentRequests}) requests are already admitted"));
        }

        try
        {
            await ReplyAsync(request, responseStream, context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>The script's reply, once per choice when n &gt; 1, the choices' responses interleaved piece by piece.</summary>
    private async Task ReplyAsync(
        GenerateRequest request, IServerStreamWriter<GenerateResponse> responseStream, ServerCallContext context)
    {
        var reply = Script(request);
        var n = Math.Max(1, request.N);
        for (var i = 0; i < reply.Pieces.Length; i++)
        {
            for (var choice = 0; choice < n; choice++)
            {
                await ReplyPieceAsync(request, reply, i, choice, responseStream, context);
                if (reply.FailAfterFirst is { } failure)
                {
                    throw new RpcException(new Status(failure, "worker lost"));
                }

                if (reply.HangAfterFirst)
                {
                    await HoldAsync(KeysOf(request), Task.Delay(Timeout.Infinite, CancellationToken.None), context.CancellationToken);
                    return;
                }
            }

            if (reply.Hold is var (after, release) && i + 1 == after)
            {
                await HoldAsync(KeysOf(request), release, context.CancellationToken);
            }
        }
    }

    private static async Task ReplyPieceAsync(
        GenerateRequest request, FakeReply reply, int i, int choice, IServerStreamWriter<GenerateResponse> responseStream, ServerCallContext context)
    {
        var last = i == reply.Pieces.Length - 1;
        var response = new GenerateResponse
        {
            RequestId = request.RequestId,
            TextDelta = reply.Pieces[i],
            Tokens = { Token(i, request.Sampling?.Logprobs ?? 0) },
            Index = choice,
        };
        if (i == 0)
        {
            // As the engine: every completion's first response carries the prompt's ids, only choice 0's its logprobs.
            response.PromptTokenIds.Add(Enumerable.Range(1, PromptTokens));
        }

        if (i == 0 && choice == 0)
        {
            if (request.Sampling?.HasPromptLogprobs == true)
            {
                response.PromptLogprobs = PromptLogprobs(request.Sampling.PromptLogprobs);
            }
        }

        if (last && !reply.HangAfterFirst && reply.FailAfterFirst is null)
        {
            response.FinishReason = reply.Finish;
            response.StopReason = reply.StopReason;
            response.Usage = new Usage
            {
                PromptTokens = PromptTokens,
                CompletionTokens = reply.Pieces.Length,
                CachedPromptTokens = 3,
                // As if each character of a prediction were a token, and the answer took one of them per piece.
                PredictionTokens = request.Prediction.Length,
                AcceptedPredictionTokens = Math.Min(request.Prediction.Length, reply.Pieces.Length),
            };
        }

        await responseStream.WriteAsync(response, context.CancellationToken);
    }

    private Task HangAsync(string promptText, CancellationToken cancellationToken) =>
        HoldAsync([promptText], Task.Delay(Timeout.Infinite, CancellationToken.None), cancellationToken);

    /// <summary>Waits for <paramref name="release"/>; a cancellation completes the signal of each of <paramref name="keys"/>.</summary>
    private async Task HoldAsync(string[] keys, Task release, CancellationToken cancellationToken)
    {
        try
        {
            await release.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            foreach (var key in keys)
            {
                CancelledSignal(key).TrySetResult();
            }

            throw;
        }
    }

    private static string[] KeysOf(GenerateRequest request) => [request.Text, RequestKey(request.RequestId)];

    private static string RequestKey(string requestId) => $"request id {requestId}";

    private TaskCompletionSource CancelledSignal(string promptText) =>
        _cancelled.GetOrAdd(promptText, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Prompt ids 1..PromptTokens: position p (from 1) holds id p + 1 with logprob -0.25 p and rank p, and
    /// alternatives ids 200 + k with logprob -1 - k.</summary>
    private static Inference.Contracts.Common.V1.PromptLogprobs PromptLogprobs(int alternatives)
    {
        var logprobs = new Inference.Contracts.Common.V1.PromptLogprobs { FirstPosition = 1 };
        for (var p = 1; p < PromptTokens; p++)
        {
            var position = new Inference.Contracts.Common.V1.PromptTokenLogprob { TokenId = p + 1, Logprob = -0.25f * p, Rank = p };
            for (var k = 0; k < alternatives; k++)
            {
                position.TopLogprobs.Add(new Inference.Contracts.Common.V1.TokenLogprob { TokenId = 200 + k, Logprob = -1f - k });
            }

            logprobs.Positions.Add(position);
        }

        return logprobs;
    }

    private static Inference.Contracts.Common.V1.GeneratedToken Token(int index, int alternatives)
    {
        var token = new Inference.Contracts.Common.V1.GeneratedToken { TokenId = 100 + index, Logprob = -0.5f };
        for (var k = 0; k < alternatives; k++)
        {
            token.TopLogprobs.Add(new Inference.Contracts.Common.V1.TokenLogprob { TokenId = 200 + k, Logprob = -1f - k });
        }

        return token;
    }
}
