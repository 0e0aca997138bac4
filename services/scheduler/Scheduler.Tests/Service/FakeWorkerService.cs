using Grpc.Core;
using Inference.Contracts.Worker.V1;

namespace Scheduler.Tests.Service;

/// <summary>A hand-written worker on the wire: keeps each request's tokens and samples next = last + 1; an embedding
/// request pools [sum of ids, count, first, last] (normalized when asked). It serves the <see cref="LoraAdapters"/>.</summary>
public sealed class FakeWorkerService : Worker.WorkerBase
{
    private readonly Dictionary<string, List<int>> _tokens = [];
    private readonly Dictionary<string, int> _computed = [];
    private readonly Dictionary<string, PoolingParams> _pooling = [];

    private int _openStreams;

    /// <summary>The LoRA adapters it reports in Info (it applies none: its tokens do not depend on them).</summary>
    public static IReadOnlyList<Inference.Contracts.Common.V1.LoraAdapter> LoraAdapters { get; } =
    [
        new() { Name = "sql-lora", Path = "/adapters/sql-lora", Rank = 8 },
        new() { Name = "chat-lora", Path = "/adapters/chat-lora", Rank = 16 },
    ];

    /// <summary>Every step received, in the order they were run; lock the list to read it.</summary>
    public List<ExecuteRequest> Requests { get; } = [];

    /// <summary>ExecuteStream calls open now.</summary>
    public int OpenStreams => Volatile.Read(ref _openStreams);

    /// <summary>The next this-many steps fail with Unavailable, as a crashing worker would.</summary>
    public int FailNextExecutes { get; set; }

    /// <summary>How long each step takes, so a test can act while a request runs.</summary>
    public TimeSpan StepDelay { get; set; }

    /// <summary>This process start's id; <see cref="Restart"/> changes it.</summary>
    public string InstanceId { get; private set; } = "fake-instance-1";

    /// <summary>Forgets every request and becomes a new instance, as a restarted worker process would.</summary>
    public void Restart()
    {
        lock (_tokens)
        {
            _tokens.Clear();
            _computed.Clear();
            RuntimeAdapters.Clear();
            InstanceId = $"fake-instance-{Guid.NewGuid():N}";
        }
    }

    public override Task<InfoResponse> Info(InfoRequest request, ServerCallContext context) =>
        Task.FromResult(new InfoResponse
        {
            ModelName = "fake-qwen",
            Architecture = "Qwen2ForCausalLM",
            VocabSize = 1000,
            MaxModelLen = 256,
            BlockSize = 16,
            NumBlocks = 32,
            EosTokenIds = { 999 },
            Device = "cpu:0",
            InstanceId = InstanceId,
            Pooling = new Pooling { HiddenSize = 4, Normalize = true },
            LoraAdapters = { LoraAdapters },
        });

    /// <summary>Adapters loaded at run time, by name: a path under /missing is NOT_FOUND, one under /bad INVALID_ARGUMENT,
    /// any other loads with rank 4.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> RuntimeAdapters { get; } = new();

    public override Task<LoadLoraAdapterResponse> LoadLoraAdapter(LoadLoraAdapterRequest request, ServerCallContext context)
    {
        if (request.Path.StartsWith("/missing", StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"{request.Path} does not exist"));
        }

        if (request.Path.StartsWith("/bad", StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{request.Path}: q_proj lora_A does not fit the model"));
        }

        RuntimeAdapters[request.Name] = request.Path;
        return Task.FromResult(new LoadLoraAdapterResponse { Adapter = new() { Name = request.Name, Path = request.Path, Rank = 4 } });
    }

    public override Task<UnloadLoraAdapterResponse> UnloadLoraAdapter(UnloadLoraAdapterRequest request, ServerCallContext context) =>
        RuntimeAdapters.TryRemove(request.Name, out _)
            ? Task.FromResult(new UnloadLoraAdapterResponse())
            : throw new RpcException(new Status(StatusCode.NotFound, $"{request.Name} is not loaded"));

    public override Task<HealthResponse> Health(HealthRequest request, ServerCallContext context) =>
        Task.FromResult(new HealthResponse { Ready = true, NumRequests = _tokens.Count, InstanceId = InstanceId });

    public override async Task<ExecuteResponse> Execute(ExecuteRequest request, ServerCallContext context)
    {
        if (StepDelay > TimeSpan.Zero)
        {
            await Task.Delay(StepDelay, context.CancellationToken);
        }

        return Step(request);
    }

    /// <summary>As the real worker: steps in stream order, a failed one ends the stream with its status.</summary>
    public override async Task ExecuteStream(IAsyncStreamReader<ExecuteRequest> requestStream, IServerStreamWriter<ExecuteResponse> responseStream,
        ServerCallContext context)
    {
        Interlocked.Increment(ref _openStreams);
        try
        {
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(await Execute(request, context), context.CancellationToken);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _openStreams);
        }
    }

    private ExecuteResponse Step(ExecuteRequest request)
    {
        lock (_tokens)
        {
            lock (Requests)
            {
                Requests.Add(request);
            }

            if (request.InstanceId.Length > 0 && request.InstanceId != InstanceId)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"planned for {request.InstanceId}, this is {InstanceId}"));
            }

            if (FailNextExecutes > 0)
            {
                FailNextExecutes--;
                _tokens.Clear();
                _computed.Clear();
                throw new RpcException(new Status(StatusCode.Unavailable, "worker restarting"));
            }
            foreach (var id in request.FinishedRequestIds)
            {
                _tokens.Remove(id);
                _computed.Remove(id);
                _pooling.Remove(id);
            }

            var response = new ExecuteResponse { StepId = request.StepId, InstanceId = InstanceId };
            foreach (var n in request.NewRequests)
            {
                _tokens[n.RequestId] = [.. n.TokenIds];
                _computed[n.RequestId] = n.NumComputedTokens;
                if (n.Pooling is { } pooling)
                {
                    _pooling[n.RequestId] = pooling;
                }

                Run(n.RequestId, n.NumScheduledTokens, response);
            }

            foreach (var c in request.CachedRequests)
            {
                if (!_tokens.ContainsKey(c.RequestId))
                {
                    throw new RpcException(new Status(StatusCode.FailedPrecondition, $"unknown request {c.RequestId}"));
                }

                Run(c.RequestId, c.NumScheduledTokens, response);
            }

            return response;
        }
    }

    private void Run(string requestId, int numScheduled, ExecuteResponse response)
    {
        var tokens = _tokens[requestId];
        _computed[requestId] += numScheduled;
        response.NumTokens += numScheduled;
        if (_computed[requestId] == tokens.Count && _pooling.TryGetValue(requestId, out var pooling))
        {
            float[] embedding = [tokens.Sum(), tokens.Count, tokens[0], tokens[^1]];
            var norm = pooling.Normalize ? MathF.Sqrt(embedding.Sum(v => v * v)) : 1f;
            response.Pooled.Add(new PooledOutput { RequestId = requestId, Embedding = { embedding.Select(v => v / norm) } });
        }
        else if (_computed[requestId] == tokens.Count)
        {
            var next = tokens[^1] + 1;
            tokens.Add(next);
            response.Sampled.Add(new SampledToken { RequestId = requestId, Token = new Inference.Contracts.Common.V1.GeneratedToken { TokenId = next, Logprob = -0.25f } });
        }
    }
}
