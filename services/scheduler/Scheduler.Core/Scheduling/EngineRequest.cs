using Inference.Abstractions.Execution;
using Scheduler.Core.KvCache;

namespace Scheduler.Core.Scheduling;

/// <summary>A request's state inside the engine. Owned by the engine loop; never shared with callers.</summary>
public sealed class EngineRequest
{
    private readonly List<int> _tokenIds;

    public EngineRequest(
        string requestId,
        IReadOnlyList<int> promptTokenIds,
        SamplingParams sampling,
        StoppingCriteria stopping,
        int priority = 0,
        long arrivalTimestamp = 0,
        string? cacheSalt = null,
        PoolingParams? pooling = null,
        string? loraName = null,
        long loraLoadId = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        if (promptTokenIds.Count == 0)
        {
            throw new ArgumentException("A request needs at least one prompt token.", nameof(promptTokenIds));
        }

        RequestId = requestId;
        _tokenIds = [.. promptTokenIds];
        NumPromptTokens = promptTokenIds.Count;
        Sampling = sampling;
        Stopping = stopping;
        Priority = priority;
        ArrivalTimestamp = arrivalTimestamp;
        CacheSalt = cacheSalt;
        Pooling = pooling;
        LoraName = loraName;
        LoraLoadId = loraLoadId;
        PromptLogprobs = sampling.PromptLogprobs is null ? null : [];
    }

    public string RequestId { get; }

    public SamplingParams Sampling { get; }

    public StoppingCriteria Stopping { get; }

    /// <summary>
    /// The prompt given as input embeddings (its token ids then placeholders), sent to the worker with the request each
    /// time it starts there; null: the prompt's tokens are looked up.
    /// </summary>
    public float[]? PromptEmbeds { get; init; }

    /// <summary>vLLM's cache_salt: the root of the request's prefix-cache hash chain (<see cref="BlockHash.Root"/>), or null.</summary>
    public string? CacheSalt { get; }

    /// <summary>The LoRA adapter every token of the request runs under (null: the base model): sent to the worker with
    /// the request each time it starts there, and part of the root of its prefix-cache hash chain.</summary>
    public string? LoraName { get; }

    /// <summary>Which load of <see cref="LoraName"/>: 0 for an adapter loaded at start, else the run-time load's own
    /// number, hashed into the prefix-cache root beside the name (a name unloaded and loaded again is another adapter).</summary>
    public long LoraLoadId { get; }

    /// <summary>Set for an embedding request: it computes its prompt, and the step that computes the last token pools
    /// its hidden state instead of sampling (<see cref="Embedding"/>), which ends it.</summary>
    public PoolingParams? Pooling { get; }

    /// <summary>An embedding request whose model pools more than the last token (<see cref="PoolingInfo.NeedsWholePrompt"/>):
    /// its prompt is computed whole, every time it starts.</summary>
    public bool PoolsWholePrompt { get; init; }

    /// <summary>
    /// OpenAI's prediction, tokenized: what the output is expected to repeat, drafted for speculative decoding where the
    /// output so far lines up with it (<see cref="Speculation.PredictionProposer"/>); null: none.
    /// </summary>
    public int[]? PredictionTokenIds { get; init; }

    /// <summary>Where in the prediction the output lines up: the position after the prediction tokens it matched last.</summary>
    internal int PredictionCursor { get; set; }

    /// <summary>The output's last token was the prediction's token before <see cref="PredictionCursor"/>: the output goes on lined up with it.</summary>
    internal bool PredictionAligned { get; set; }

    /// <summary>Output tokens that went on where the output lined up with the prediction (usage's accepted_prediction_tokens):
    /// its accepted drafts, and tokens sampled as it predicted.</summary>
    internal int NumAcceptedPredictionTokens { get; private set; }

    /// <summary>An embedding request's result, once its prompt is computed.</summary>
    public float[]? Embedding { get; internal set; }

    /// <summary>Under priority scheduling a lower value runs first (vLLM's rule; default 0).</summary>
    public int Priority { get; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the request was created.</summary>
    public long ArrivalTimestamp { get; }

    /// <summary>Order of arrival at the engine (-1 until admitted); ties under priority scheduling go to the
    /// earlier one, and a request moved to another worker keeps its place.</summary>
    public long ArrivalOrder { get; internal set; } = -1;

    public int NumPromptTokens { get; }

    /// <summary>Prompt plus output tokens.</summary>
    public IReadOnlyList<int> TokenIds => _tokenIds;

    public int NumTokens => _tokenIds.Count;

    public int NumOutputTokens => _tokenIds.Count - NumPromptTokens;

    /// <summary>Tokens whose KV sits in the request's blocks (counting those scheduled in the steps in flight).</summary>
    public int NumComputedTokens { get; internal set; }

    /// <summary>Tokens that steps in flight will sample for it and whose ids are not known yet (async scheduling:
    /// a step planned while the one before it runs feeds the token that one samples, which only the worker has).</summary>
    public int NumPendingTokens { get; internal set; }

    /// <summary>A step in flight verifies draft tokens for it: how many tokens it brings is unknown until its result, so
    /// the request is not scheduled again before then (speculative decoding).</summary>
    internal bool HasDraftsInFlight { get; set; }

    /// <summary>Prompt tokens served from the prefix cache when the request first started.</summary>
    public int NumCachedTokens { get; internal set; }

    public RequestStatus Status { get; internal set; } = RequestStatus.Waiting;

    public FinishReason? FinishReason { get; internal set; }

    /// <summary>The stop token id as text, when a stop id ended the request.</summary>
    public string? StopReason { get; internal set; }

    public int NumPreemptions { get; internal set; }

    /// <summary>The executor holds this request's state (it was sent as new and not since freed).</summary>
    internal bool IsKnownToExecutor { get; set; }

    /// <summary>Whether the executor currently bans EOS for this request (min_tokens).</summary>
    internal bool ExecutorBansStopTokens { get; set; }

    /// <summary>Hash chain of the request's full blocks, extended as tokens arrive.</summary>
    internal List<BlockHash> BlockHashes { get; } = [];

    /// <summary>
    /// The prompt logprobs received so far, of prompt positions 1 .. Count in order, when <see cref="SamplingParams.PromptLogprobs"/>
    /// is set (else null). They survive preemption and a move to another worker, so a recomputed prompt adds nothing twice.
    /// </summary>
    internal List<PromptTokenLogprob>? PromptLogprobs { get; }

    /// <summary>Prompt logprobs are asked for and some prompt position is still to be scored: the whole prompt must be
    /// computed (no prefix-cache hits), as vLLM does.</summary>
    internal bool NeedsPromptLogprobs => PromptLogprobs is { } collected && collected.Count < NumPromptTokens - 1;

    /// <summary>Every prompt position must run on the worker when the request starts: no prefix-cache hit may skip one.</summary>
    internal bool ComputesWholePrompt => NeedsPromptLogprobs || (Pooling is not null && PoolsWholePrompt);

    /// <summary>Set once the prompt logprobs went out with an output.</summary>
    internal bool PromptLogprobsSent { get; set; }

    /// <summary>Set once the first output token was published (time to first token).</summary>
    internal bool HasFirstToken { get; set; }

    internal long LastTokenTimestamp { get; set; }

    /// <exception cref="ArgumentException">The prompt leaves no room in <paramref name="maxModelLength"/> tokens: a generation
    /// request needs one position after it for its first token; an embedding request does not.</exception>
    internal void CheckPromptFits(int maxModelLength)
    {
        var limit = Pooling is null ? maxModelLength - 1 : maxModelLength;
        if (NumPromptTokens > limit)
        {
            throw new ArgumentException($"Request {RequestId} has {NumPromptTokens} prompt tokens; the limit is {limit}.");
        }
    }

    internal void AppendOutputToken(int tokenId)
    {
        _tokenIds.Add(tokenId);
        if (PredictionTokenIds is { } prediction)
        {
            // The output goes on where it lines up with the prediction (an accepted draft, or a token sampled as
            // predicted; the first token lines up with the prediction's first), or leaves it.
            PredictionAligned = PredictionCursor < prediction.Length && prediction[PredictionCursor] == tokenId
                && (PredictionAligned || NumOutputTokens == 1);
            if (PredictionAligned)
            {
                PredictionCursor++;
                NumAcceptedPredictionTokens++;
            }
        }
    }

    /// <summary>Its worker is gone: nothing of it is computed anywhere, and whichever worker takes it next gets
    /// it in full. Tokens, outputs and the hash chain (which depends on tokens only) stay.</summary>
    internal void ResetForAnotherWorker()
    {
        NumComputedTokens = 0;
        NumPendingTokens = 0;
        HasDraftsInFlight = false;
        IsKnownToExecutor = false;
        ExecutorBansStopTokens = false;
        if (Status == RequestStatus.Running)
        {
            Status = RequestStatus.Preempted;
        }
    }

    internal ReadOnlySpan<int> TokenSpan(int start, int length) =>
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_tokenIds).Slice(start, length);

    public override string ToString() => $"{RequestId} ({Status}, {NumComputedTokens}/{NumTokens} computed)";
}
