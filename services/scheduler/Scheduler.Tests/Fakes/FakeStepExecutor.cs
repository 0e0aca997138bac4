using System.Threading.Channels;
using Inference.Abstractions.Execution;

namespace Scheduler.Tests.Fakes;

/// <summary>
/// A deterministic executor that keeps request state like a worker would (tokens, blocks, computed count),
/// checks every plan against that state, and samples next token = NextToken(last token). A request asking for prompt
/// logprobs gets, for each prompt position p it computes, an entry with logprob -p (so tests can tell positions apart).
/// An embedding request pools <see cref="EmbeddingOf"/> its tokens once its last token is computed (shortened and
/// normalized as it asks), and may not be scheduled again. A new request naming a LoRA adapter the executor's
/// <see cref="ExecutorInfo.LoraAdapters"/> lack, and that it did not load at run time, is refused, as a worker refuses it.
/// Run-time loads answer <see cref="LoadLora"/> (rank 8 by default).
/// Optional gate: each step waits for <see cref="AllowSteps"/>; optional faults: the next N steps throw. A fault breaks
/// the executor as it breaks a worker's step stream: the steps handed over behind it fail without running, until the
/// engine's rejoined lane starts again from step 0.
/// </summary>
public sealed class FakeStepExecutor : IStepExecutor
{
    private readonly Dictionary<string, RequestState> _requests = [];
    private readonly Channel<bool>? _gate;
    // Steps run one at a time in the order they were handed over, as a worker runs them (SemaphoreSlim queues waiters
    // first in, first out); with async scheduling the next step is handed over while one waits at the gate.
    private readonly SemaphoreSlim _order = new(1, 1);
    private int _faultsToThrow;
    private bool _broken;
    private int _outstanding;
    private int _maxOutstanding;

    /// <param name="distribution">When set, the next token's distribution after a sequence (most likely first): the
    /// executor samples its first entry and answers the first Sampling.Logprobs entries as the top alternatives.</param>
    public FakeStepExecutor(
        ExecutorInfo? info = null, bool gated = false, Func<int, int>? nextToken = null,
        Func<IReadOnlyList<int>, IReadOnlyList<TokenLogprob>>? distribution = null)
    {
        Info = info ?? DefaultInfo();
        _gate = gated ? Channel.CreateUnbounded<bool>() : null;
        NextToken = nextToken ?? (last => (last + 1) % Info.VocabSize);
        Distribution = distribution;
    }

    public Func<IReadOnlyList<int>, IReadOnlyList<TokenLogprob>>? Distribution { get; }

    public ExecutorInfo Info { get; }

    public Func<int, int> NextToken { get; }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, LoraAdapterInfo> _runtimeAdapters = new();

    /// <summary>What a run-time load of (name, path) answers, or throws; rank 8 by default.</summary>
    public Func<string, string, LoraAdapterInfo> LoadLora { get; set; } = (name, path) => new(name, path, 8);

    /// <summary>The adapters loaded at run time and not unloaded, by name.</summary>
    public IReadOnlyDictionary<string, LoraAdapterInfo> RuntimeAdapters => _runtimeAdapters;

    public Task<LoraAdapterInfo> LoadLoraAdapterAsync(string name, string path, CancellationToken cancellationToken)
    {
        if ((Info.LoraAdapters ?? []).Any(adapter => adapter.Name == name))
        {
            throw new InvalidOperationException($"{name} was loaded at start");
        }

        var adapter = LoadLora(name, path);
        _runtimeAdapters[name] = adapter;
        return Task.FromResult(adapter);
    }

    public Task<bool> UnloadLoraAdapterAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(_runtimeAdapters.TryRemove(name, out _));

    private List<StepPlan> Plans { get; } = [];

    public StepPlan[] PlansSoFar()
    {
        lock (Plans)
        {
            return [.. Plans];
        }
    }

    /// <summary>The LoRA adapter each new request of the plans so far was sent with (null: none), in the order sent;
    /// a request sent again after preemption appears again.</summary>
    public (string RequestId, string? LoraName)[] NewRequestLoraNames() =>
        [.. PlansSoFar().SelectMany(plan => plan.NewRequests).Select(n => (n.RequestId, n.LoraName))];

    /// <summary>Requests whose state the executor holds now.</summary>
    public IReadOnlyCollection<string> HeldRequestIds => _requests.Keys;

    public static ExecutorInfo DefaultInfo(int numBlocks = 64, int blockSize = 4, int maxModelLength = 128, PoolingInfo? pooling = null,
        IReadOnlyList<LoraAdapterInfo>? loraAdapters = null) =>
        new("fake-model", "Qwen2ForCausalLM", 1000, maxModelLength, blockSize, numBlocks, [999], "cpu:0", Pooling: pooling ?? DefaultPooling,
            LoraAdapters: loraAdapters);

    /// <summary>Two adapters of different ranks, for the LoRA tests.</summary>
    public static IReadOnlyList<LoraAdapterInfo> TwoAdapters { get; } =
        [new("sql-lora", "/adapters/sql-lora", 8), new("chat-lora", "/adapters/chat-lora", 16)];

    /// <summary>Embeddings of 8 values, normalized by default, matryoshka of any length.</summary>
    public static PoolingInfo DefaultPooling { get; } = new(HiddenSize: 8, Normalize: true, Matryoshka: true, MatryoshkaDimensions: []);

    /// <summary>The fake's unnormalized embedding of a prompt: value j is (sum of the ids) + 10 j + count, so it depends on
    /// every token.</summary>
    public static float[] EmbeddingOf(IReadOnlyList<int> tokenIds, int hiddenSize = 8) =>
        [.. Enumerable.Range(0, hiddenSize).Select(j => (float)(tokenIds.Sum() + 10 * j + tokenIds.Count))];

    public void AllowSteps(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _gate!.Writer.TryWrite(true);
        }
    }

    public void FailNextSteps(int count) => Interlocked.Exchange(ref _faultsToThrow, count);

    /// <summary>Steps handed over and not answered yet.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>The most steps that were handed over and not answered at one time.</summary>
    public int MaxOutstanding => Volatile.Read(ref _maxOutstanding);

    public async Task<StepResult> ExecuteAsync(StepPlan plan, CancellationToken cancellationToken)
    {
        var outstanding = Interlocked.Increment(ref _outstanding);
        int max;
        while (outstanding > (max = Volatile.Read(ref _maxOutstanding)) && Interlocked.CompareExchange(ref _maxOutstanding, outstanding, max) != max)
        {
        }

        try
        {
            await _order.WaitAsync(cancellationToken);
            try
            {
                return await ExecuteInOrderAsync(plan, cancellationToken);
            }
            finally
            {
                _order.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _outstanding);
        }
    }

    private async Task<StepResult> ExecuteInOrderAsync(StepPlan plan, CancellationToken cancellationToken)
    {
        _broken &= plan.StepId != 0;
        if (_broken)
        {
            throw new ExecutorFaultException($"step {plan.StepId} was handed over behind a failed step");
        }

        if (_gate is not null)
        {
            await _gate.Reader.ReadAsync(cancellationToken);
        }

        lock (Plans)
        {
            Plans.Add(plan);
        }

        if (Interlocked.Decrement(ref _faultsToThrow) >= 0)
        {
            _broken = true;
            throw new ExecutorFaultException("injected fault");
        }

        foreach (var id in plan.FinishedRequestIds)
        {
            _requests.Remove(id);
        }

        var sampled = new List<SampledToken>();
        var pooled = new List<PooledOutput>();
        var promptLogprobs = new List<PromptLogprobsChunk>();
        foreach (var n in plan.NewRequests)
        {
            if (n.LoraName is { } lora && !(Info.LoraAdapters ?? []).Any(adapter => adapter.Name == lora) && !_runtimeAdapters.ContainsKey(lora))
            {
                throw new InvalidOperationException($"{n.RequestId}: LoRA adapter {lora} is not loaded here");
            }

            var state = new RequestState([.. n.TokenIds], [.. n.BlockIds], n.NumComputedTokens, n.Sampling, n.NumPromptTokens) { Pooling = n.Pooling };
            _requests.Add(n.RequestId, state);
            ScorePrompt(n.RequestId, state, n.NumScheduledTokens, promptLogprobs);
            Run(n.RequestId, state, n.NumScheduledTokens, sampled, pooled);
        }

        foreach (var c in plan.CachedRequests)
        {
            var state = _requests[c.RequestId];
            if (state.NumComputed != c.NumComputedTokens)
            {
                throw new InvalidOperationException($"{c.RequestId}: executor has {state.NumComputed} computed, plan says {c.NumComputedTokens}");
            }

            if (state.Pooling is not null && state.NumComputed == state.TokenIds.Count)
            {
                throw new InvalidOperationException($"{c.RequestId}: an embedding request was scheduled after it pooled");
            }

            state.BlockIds.AddRange(c.NewBlockIds);
            state.Sampling = c.Sampling ?? state.Sampling;
            if (c.NumDraftTokens > 0)
            {
                Verify(c, state, sampled);
                continue;
            }

            ScorePrompt(c.RequestId, state, c.NumScheduledTokens, promptLogprobs);
            Run(c.RequestId, state, c.NumScheduledTokens, sampled, pooled);
        }

        return new StepResult(plan.StepId, sampled, new StepTimings(1, 1, 2), plan.TotalScheduledTokens,
            promptLogprobs.Count == 0 ? null : promptLogprobs, pooled.Count == 0 ? null : pooled);
    }

    /// <summary>Positions p + 1 for each scheduled prompt position p that is not the prompt's last.</summary>
    private static void ScorePrompt(string requestId, RequestState state, int numScheduled, List<PromptLogprobsChunk> chunks)
    {
        int first = state.NumComputed, end = Math.Min(state.NumComputed + numScheduled, state.NumPromptTokens - 1);
        if (state.Sampling.PromptLogprobs is null || first >= end)
        {
            return;
        }

        chunks.Add(new PromptLogprobsChunk(requestId, first + 1,
            [.. Enumerable.Range(first + 1, end - first).Select(p => new PromptTokenLogprob(state.TokenIds[p], -p, 1, []))]));
    }

    private void Run(string requestId, RequestState state, int numScheduled, List<SampledToken> sampled, List<PooledOutput> pooled)
    {
        state.NumComputed += numScheduled;
        if (state.NumComputed > state.TokenIds.Count)
        {
            throw new InvalidOperationException($"{requestId}: scheduled past the known tokens");
        }

        if (state.BlockIds.Count * Info.BlockSize < state.NumComputed)
        {
            throw new InvalidOperationException($"{requestId}: {state.NumComputed} tokens do not fit {state.BlockIds.Count} blocks");
        }

        if (state.NumComputed == state.TokenIds.Count && state.Pooling is { } pooling)
        {
            var embedding = EmbeddingOf(state.TokenIds, Info.Pooling!.HiddenSize);
            embedding = embedding[..(pooling.Dimensions ?? embedding.Length)];
            if (pooling.Normalize)
            {
                var norm = MathF.Sqrt(embedding.Sum(v => v * v));
                embedding = [.. embedding.Select(v => v / norm)];
            }

            pooled.Add(new PooledOutput(requestId, embedding));
        }
        else if (state.NumComputed == state.TokenIds.Count && Distribution is { } distribution)
        {
            var alternatives = distribution(state.TokenIds);
            state.TokenIds.Add(alternatives[0].TokenId);
            sampled.Add(new SampledToken(requestId, alternatives[0].TokenId, alternatives[0].Logprob, [.. alternatives.Take(state.Sampling.Logprobs)]));
        }
        else if (state.NumComputed == state.TokenIds.Count)
        {
            var next = NextToken(state.TokenIds[^1]);
            if (state.Sampling.BannedTokenIds?.Contains(next) == true)
            {
                next = (next + 1) % Info.VocabSize;
            }

            state.TokenIds.Add(next);
            sampled.Add(new SampledToken(requestId, next, -0.5f, []));
        }
    }

    /// <summary>As the worker verifies drafts: its next token after the last known one, kept while it equals the draft there.</summary>
    private void Verify(CachedRequestData c, RequestState state, List<SampledToken> sampled)
    {
        var drafts = c.DraftTokenIds!;
        if (state.NumComputed != state.TokenIds.Count - 1 || c.NumScheduledTokens != drafts.Count + 1)
        {
            throw new InvalidOperationException($"{c.RequestId}: drafts on a step that is not a decode");
        }

        if (state.BlockIds.Count * Info.BlockSize < state.NumComputed + c.NumScheduledTokens)
        {
            throw new InvalidOperationException($"{c.RequestId}: {state.NumComputed + c.NumScheduledTokens} tokens do not fit {state.BlockIds.Count} blocks");
        }

        for (int j = 0; ; j++)
        {
            var next = NextToken(state.TokenIds[^1]);
            state.TokenIds.Add(next);
            sampled.Add(new SampledToken(c.RequestId, next, -0.5f, []));
            if (j == drafts.Count || next != drafts[j])
            {
                break;
            }
        }

        state.NumComputed = state.TokenIds.Count - 1;
    }

    private sealed class RequestState(List<int> tokenIds, List<int> blockIds, int numComputed, SamplingParams sampling, int numPromptTokens)
    {
        public int NumPromptTokens { get; } = numPromptTokens;
        public List<int> TokenIds { get; } = tokenIds;
        public List<int> BlockIds { get; } = blockIds;
        public int NumComputed { get; set; } = numComputed;
        public SamplingParams Sampling { get; set; } = sampling;
        public PoolingParams? Pooling { get; init; }
    }
}
