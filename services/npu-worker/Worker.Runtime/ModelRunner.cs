using System.Diagnostics;
using Inference.Abstractions.Execution;
using Inference.Grammar;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Kv;
using Worker.Runtime.Embeddings;
using Worker.Runtime.Lora;
using Worker.Runtime.Models;
using Worker.Runtime.Models.Classification;
using Worker.Runtime.Ops;
using Worker.Runtime.Sampling;

namespace Worker.Runtime;

/// <summary>
/// Executes engine steps on the CPU: holds each running request's tokens, block table and sampler,
/// applies the StepPlan diff (finished ids first, new requests in full, cached ones as diffs; a decode
/// token is the last sampled one), runs all scheduled tokens as one batched forward (split into a few passes only
/// when prompt logprobs need many logits rows, see ModelRunner.ForwardPasses.cs), and samples where a request's known
/// tokens are all computed, or, for an embedding request, pools its prompt's hidden states. Steps run one at a time.
/// </summary>
public sealed partial class ModelRunner : IStepExecutor, IDisposable
{
    private readonly Dictionary<string, RequestState> _requests = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _stepGate = new(1, 1);
    private readonly ForwardBatch _batch = new();
    private readonly List<ScheduledRun> _runs = [];
    private readonly List<LogitRow> _logitRows = [];
    private readonly List<PooledRows> _pooledRows = [];
    private readonly EmbeddingHead _embedding;
    private readonly int _maxPromptLogprobRows;
    private readonly ComputeThreadPool _pool;
    private readonly ICausalLm _model;
    private readonly PagedKvCache _cache;
    private readonly LogitRowsWork _logitRowsWork;
    private readonly StepPlanValidator _validator;
    private readonly (int Layers, int KvHeads, int HeadDim, KvCacheDType DType) _cacheShape;
    private readonly StructuredOutputGrammars _grammars;
    private readonly ICausalLmConfig _config;
    private readonly ILogger _logger;

    private ModelRunner(ExecutorInfo info, ICausalLmConfig config, ComputeThreadPool pool, ICausalLm model, PagedKvCache cache, long weightBytes,
        StructuredOutputGrammars grammars, EmbeddingHead embedding, int maxPromptLogprobRows, IReadOnlyList<LoraAdapter> loraAdapters, ILogger logger)
    {
        _embedding = embedding;
        _loraAdapters = LoraAdapterSet.AtStart(loraAdapters);
        _config = config;
        _logger = logger;
        _maxPromptLogprobRows = maxPromptLogprobRows;
        _grammars = grammars;
        Info = info;
        WeightBytes = weightBytes;
        _pool = pool;
        _model = model;
        _cache = cache;
        _cacheShape = (config.NumHiddenLayers, config.NumKeyValueHeads, config.HeadDim, cache.DType);
        _logitRowsWork = new LogitRowsWork(pool, info.VocabSize);
        _validator = new StepPlanValidator(info.VocabSize, info.NumBlocks, info.BlockSize, info.MaxModelLength, info.Pooling,
            samples: info.Classifier is null, hiddenSize: config.HiddenSize);
    }

    public ExecutorInfo Info { get; }

    /// <summary>Bytes of the weight matrices held in memory (after quantization, if any).</summary>
    public long WeightBytes { get; }

    /// <summary>How the matrices are held: "bf16", "fp32" or "q8_0".</summary>
    public string WeightType => _model.WeightType;

    /// <summary>Requests whose state the runner holds.</summary>
    public int NumRequests
    {
        get
        {
            lock (_requests)
            {
                return _requests.Count;
            }
        }
    }

    /// <summary>
    /// Loads a Hugging Face model folder of an architecture in <see cref="ModelRegistry"/>, or a GGUF file of one
    /// (qwen2, qwen3, llama, qwen3moe, qwen2moe; F32, F16, BF16, Q8_0 and the Q4/Q5/Q6 block types), and allocates the KV cache.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="FileNotFoundException">config.json or the weights are missing.</exception>
    /// <exception cref="InvalidDataException">The architecture is not supported, or the config, the embedding config (modules.json), a
    /// tensor, or a LoRA adapter (<see cref="ModelRunnerOptions.LoraModules"/>) is invalid (message names it).</exception>
    public static ModelRunner Load(string modelPath, ModelRunnerOptions options, ILoggerFactory? loggerFactory = null, IProgress<double>? loadProgress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ModelRunner>();
        var started = Stopwatch.GetTimestamp();
        var source = ModelSource.Open(modelPath, options.HfOverrides);

        var config = source.Config;
        int numBlocks = options.NumBlocks ?? PagedKvCache.BlocksForBudget(
            options.KvCacheBytes, config.NumHiddenLayers, options.BlockSize, config.NumKeyValueHeads, config.HeadDim, options.KvCacheDType);
        int maxModelLength = (int)Math.Min(
            options.MaxModelLength ?? config.MaxPositionEmbeddings, (long)numBlocks * options.BlockSize);

        // The ops are sized by the context length, so they come before the weights; the pool's threads must not
        // outlive a load that fails.
        var pool = new ComputeThreadPool(options.Threads);
        string name = options.ServedModelName ?? source.Name;
        ICausalLm model;
        PagedKvCache cache;
        DeviceOps ops;
        List<LoraAdapter> adapters;
        var embedding = source.Embedding;
        try
        {
            ops = DeviceOps.CreateCpu(pool, maxModelLength, config.NumAttentionHeads / config.NumKeyValueHeads)
                with { Weights = new WeightLoader(options.Quantization) };
            if (options.OpTimings is { } timings)
            {
                ops = timings.Wrap(ops);
            }

            using (var checkpoint = source.OpenTensors())
            {
                model = config.LoadModel(checkpoint, ops, loadProgress, lmHead: source.Classifier is null);
                if (source.Classifier is { } classifier)
                {
                    embedding = ClassifierHead(classifier, checkpoint, source, embedding.Pooling.Mode);
                }
            }

            if (options.PoolerConfig is { } pooler)
            {
                embedding = pooler.ApplyTo(embedding);
            }

            adapters = LoadLoraAdapters(config, options.LoraModules, name, logger);

            cache = new PagedKvCache(config.NumHiddenLayers, numBlocks, options.BlockSize, config.NumKeyValueHeads, config.HeadDim, options.KvCacheDType);
        }
        catch
        {
            pool.Dispose();
            throw;
        }

        var info = new ExecutorInfo(name, source.Architecture, config.VocabSize, maxModelLength, options.BlockSize,
            numBlocks, config.EosTokenIds, options.Device, source.SamplingDefaults, embedding.Pooling, [.. adapters.Select(a => a.Info)],
            source.Classifier?.Info, config.HiddenSize);
        LogLoaded(logger, name, config.NumHiddenLayers, config.HiddenSize, model.WeightType, ops.Weights.Bytes / (1024.0 * 1024.0),
            CpuIsaSelection.Name(CpuIsaSelection.Selected), numBlocks, options.BlockSize, options.KvCacheDType == KvCacheDType.BFloat16 ? "bfloat16" : "float32",
            PagedKvCache.BytesPerBlock(config.NumHiddenLayers, options.BlockSize, config.NumKeyValueHeads, config.HeadDim, options.KvCacheDType) * (double)numBlocks / (1024 * 1024),
            maxModelLength, options.Threads,
            source.Classifier is { } loaded ? embedding.DescribeClassifier(loaded.Info) : embedding.Describe(),
            Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new ModelRunner(info, config, pool, model, cache, ops.Weights.Bytes, source.Grammars, embedding, options.MaxPromptLogprobRows, adapters, logger);
    }

    /// <summary>
    /// A sequence classifier's pooling: the folder's pooling mode (last token unless its sentence-transformers config says
    /// otherwise), then its classification head as one bias-free linear layer to one logit per class, never normalized:
    /// the request's answer is the raw logits, to which the caller applies the classifier's activation.
    /// </summary>
    private static EmbeddingHead ClassifierHead(SequenceClassificationConfig classifier, ITensorSource checkpoint, ModelSource source, PoolingMode mode)
    {
        var config = source.Config;
        var weight = ClassifierHeadWeights.Load(classifier, checkpoint, config.VocabSize, config.HiddenSize, config.TieWordEmbeddings,
            source.TokenizerJsonPath ?? Path.Combine(checkpoint.Location, "tokenizer.json"));
        var head = new DenseLayer(config.HiddenSize, classifier.Info.NumLabels, weight, bias: null, DenseActivation.Identity);
        return new EmbeddingHead(new PoolingInfo(classifier.Info.NumLabels, Normalize: false, Matryoshka: false, [], mode), [head]);
    }

    /// <exception cref="ArgumentException">The plan does not fit the worker's state; nothing was changed but finished ids.</exception>
    public async Task<StepResult> ExecuteAsync(StepPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        await _stepGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ExecuteStep(plan);
        }
        finally
        {
            _stepGate.Release();
        }
    }

    private StepResult ExecuteStep(StepPlan plan)
    {
        long started = Stopwatch.GetTimestamp();
        lock (_requests)
        {
            foreach (string id in plan.FinishedRequestIds)
            {
                _requests.Remove(id);
            }

            // One read of the adapters for the whole step: a load or unload that lands meanwhile counts from the next step.
            var adapters = _loraAdapters;
            _validator.Validate(plan, _requests, adapters.Names);
            ApplyPlan(plan, CreateMatchers(plan), adapters);
        }

        // Usually one forward pass; more only when prompt logprobs need more logits rows than one pass may hold.
        var sampled = new List<SampledToken>();
        var pooled = new List<PooledOutput>();
        var promptLogprobs = new Dictionary<RequestState, (int FirstPosition, List<PromptTokenLogprob> Entries)>();
        long forwardTicks = 0, sampleTicks = 0;
        int numTokens = 0;
        var grammarMasks = PrepareGrammarMasks();
        while (NextForwardPass())
        {
            long forwardStarted = Stopwatch.GetTimestamp();
            var output = _model.Forward(_batch, _cache);
            long sampleStarted = Stopwatch.GetTimestamp();
            if (grammarMasks is not null)
            {
                grammarMasks.GetAwaiter().GetResult();
                grammarMasks = null;
            }

            ReadLogits(output.Logits, sampled, promptLogprobs);
            ReadPooled(output.Hidden, pooled);
            forwardTicks += sampleStarted - forwardStarted;
            sampleTicks += Stopwatch.GetTimestamp() - sampleStarted;
            numTokens += _batch.TokenCount;
        }

        long finished = Stopwatch.GetTimestamp();
        var timings = new StepTimings(Nanoseconds(forwardTicks), Nanoseconds(sampleTicks), Nanoseconds(finished - started));
        PromptLogprobsChunk[]? chunks = promptLogprobs.Count == 0
            ? null
            : [.. promptLogprobs.Select(p => new PromptLogprobsChunk(p.Key.Id, p.Value.FirstPosition, p.Value.Entries))];
        return new StepResult(plan.StepId, sampled, timings, numTokens, chunks, pooled.Count == 0 ? null : pooled);
    }

    /// <summary>
    /// Starts filling the grammar masks of the requests that sample this step with structured output, on the thread
    /// pool while the forward pass runs (they depend only on the tokens accepted so far); null when there are none.
    /// </summary>
    private Task? PrepareGrammarMasks()
    {
        var constrained = _runs.Where(r => r.End == r.State.Tokens.Count && r.State.Sampling.ActiveGrammar is not null)
            .Select(r => r.State.Sampling).ToArray();
        if (constrained.Length == 0)
        {
            return null;
        }

        int vocabSize = Info.VocabSize;
        return Task.Run(() =>
        {
            foreach (var sampling in constrained)
            {
                sampling.GrammarMask.Prepare(sampling.ActiveGrammar!, vocabSize);
            }
        });
    }

    /// <summary>Registers new requests, applies diffs, and lays the step's tokens out as one batch.</summary>
    private void ApplyPlan(StepPlan plan, Dictionary<string, GrammarMatcher>? matchers, LoraAdapterSet adapters)
    {
        _runs.Clear();
        foreach (var r in plan.NewRequests)
        {
            var tokens = r.TokenIds.ToList();
            // A resumed request's output tokens (after num_prompt_tokens) replay into its fresh matcher here. An embedding
            // request never samples: its sampling is ignored (no penalties, grammar or prompt logprobs).
            // A prompt sent as embeddings has placeholder tokens: penalties count its output alone.
            var sampling = r.Pooling is not null
                ? new SequenceSamplingState(SamplingParams.Greedy, [], [])
                : new SequenceSamplingState(r.Sampling, r.PromptEmbeds is null ? tokens.GetRange(0, r.NumPromptTokens) : [], tokens.Skip(r.NumPromptTokens),
                    matchers?.GetValueOrDefault(r.RequestId), r.Sampling.StructuredOutput is { AfterReasoning: true } ? _grammars.ReasoningTokens : null);
            // The validator checked the name against this same set. The request holds the adapter itself from here on,
            // so a later replace or unload of its name leaves its weights as they were.
            var lora = r.LoraName is null ? null : adapters[r.LoraName];
            var pooler = r.Pooling is null ? null : new HiddenStatePooler(_embedding.Pooling.Mode, _config.HiddenSize);
            var state = new RequestState(r.RequestId, tokens, r.NumPromptTokens, r.BlockIds.ToList(), r.NumComputedTokens, sampling, r.Pooling, pooler, lora, r.PromptEmbeds);
            _requests.Add(r.RequestId, state);
            Schedule(state, r.NumScheduledTokens);
        }

        foreach (var r in plan.CachedRequests)
        {
            var state = _requests[r.RequestId];
            state.BlockIds.AddRange(r.NewBlockIds);
            if (r.Sampling is not null && state.Pooling is null)
            {
                state.Sampling.Parameters = r.Sampling;
            }

            Schedule(state, r.NumScheduledTokens, r.DraftTokenIds);
        }
    }

    /// <summary>
    /// A fresh grammar matcher per new request with structured output, made before any state changes, so a spec the
    /// runner cannot serve refuses the plan as a whole (ArgumentException) rather than leaving it half applied. The
    /// scheduler refuses unsupported specs before they run, so only a missing tokenizer.json reaches this.
    /// </summary>
    private Dictionary<string, GrammarMatcher>? CreateMatchers(StepPlan plan)
    {
        Dictionary<string, GrammarMatcher>? matchers = null;
        foreach (var r in plan.NewRequests)
        {
            if (r.Pooling is null && r.Sampling.StructuredOutput is { } output)
            {
                (matchers ??= new(StringComparer.Ordinal))[r.RequestId] = _grammars.CreateMatcher(output);
            }
        }

        return matchers;
    }

    private void Schedule(RequestState state, int numScheduled, IReadOnlyList<int>? drafts = null)
    {
        if (numScheduled > 0)
        {
            _runs.Add(new ScheduledRun(state, state.NumComputedTokens, state.NumComputedTokens + numScheduled, drafts is { Count: > 0 } ? drafts : null));
        }
    }

    /// <summary>
    /// Raw logits at the last position of a throwaway prefill of <paramref name="tokenIds"/> (tests and tools).
    /// It uses a private scratch KV cache, so running requests and prefix-cached blocks are untouched.
    /// </summary>
    /// <param name="loraName">An adapter loaded at start (<see cref="ExecutorInfo.LoraAdapters"/>) or by <see cref="LoadLoraAdapterAsync"/>
    /// to run the prompt with; null for the base model.</param>
    /// <exception cref="ArgumentException">The prompt is empty, too long, or holds an id outside the vocabulary, or the adapter is unknown.</exception>
    public float[] ComputeLogits(IReadOnlyList<int> tokenIds, string? loraName = null)
    {
        ArgumentNullException.ThrowIfNull(tokenIds);
        LoraAdapter? lora = null;
        if (loraName is not null && !_loraAdapters.TryGet(loraName, out lora))
        {
            throw new ArgumentException($"LoRA adapter '{loraName}' is not loaded.", nameof(loraName));
        }

        if (Info.Classifier is not null)
        {
            throw new InvalidOperationException($"Model {Info.ModelName} is a sequence classifier ({Info.Architecture}): it has no LM head, so it computes no logits.");
        }

        if (tokenIds.Count == 0 || tokenIds.Count > Info.MaxModelLength)
        {
            throw new ArgumentException($"ComputeLogits needs 1..{Info.MaxModelLength} tokens, got {tokenIds.Count}.", nameof(tokenIds));
        }

        foreach (int id in tokenIds)
        {
            if ((uint)id >= (uint)Info.VocabSize)
            {
                throw new ArgumentException($"token id {id} is outside [0, {Info.VocabSize}).", nameof(tokenIds));
            }
        }

        int blocks = (tokenIds.Count + Info.BlockSize - 1) / Info.BlockSize;
        var scratch = new PagedKvCache(_cacheShape.Layers, blocks, Info.BlockSize, _cacheShape.KvHeads, _cacheShape.HeadDim, _cacheShape.DType);
        _stepGate.Wait();
        try
        {
            _batch.Clear();
            _batch.AddSequence(Enumerable.Range(0, blocks).ToArray(), lora);
            int row = 0;
            for (int i = 0; i < tokenIds.Count; i++)
            {
                row = _batch.AddToken(tokenIds[i], i, Info.BlockSize);
            }

            _batch.RequestLogits(row);
            return _model.Forward(_batch, scratch).Logits.ToArray();
        }
        finally
        {
            _stepGate.Release();
        }
    }

    private static long Nanoseconds(long ticks) => (long)(ticks * (1_000_000_000.0 / Stopwatch.Frequency));

    public void Dispose()
    {
        _pool.Dispose();
        _stepGate.Dispose();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Loaded model {ModelName}: {Layers} layers, hidden {Hidden}, weights {WeightType} ({WeightMiB:F1} MiB of matrices); kernels {CpuIsa}; KV {NumBlocks} blocks x {BlockSize} tokens ({KvCacheDtype}, {KvCacheMiB:F1} MiB); max_model_len {MaxModelLength}; {Threads} threads; embeddings {Embeddings}; {ElapsedMs:F0} ms")]
    private static partial void LogLoaded(ILogger logger, string modelName, int layers, int hidden, string weightType, double weightMiB,
        string cpuIsa, int numBlocks, int blockSize, string kvCacheDtype, double kvCacheMiB, int maxModelLength, int threads, string embeddings, double elapsedMs);
}
