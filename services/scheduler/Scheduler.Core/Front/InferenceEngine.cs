using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Inference.Abstractions.Execution;
using Inference.Abstractions.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Scheduler.Core.Engine;
using Scheduler.Core.Fleet;
using Scheduler.Core.Lora;
using Scheduler.Core.Scheduling;

namespace Scheduler.Core;

/// <summary>
/// The engine's public front (vLLM's output processor): validates and tokenizes requests, feeds them to the
/// engine loop, and turns the loop's token outputs into text deltas with stop strings. Concurrent
/// <see cref="GenerateAsync"/> calls batch together, joining and leaving at every step.
/// </summary>
public sealed partial class InferenceEngine : IAsyncDisposable
{
    /// <summary>The meter of the engine's vllm:* and inference:* instruments, for exporters.</summary>
    public const string MeterName = EngineMetrics.MeterName;

    private readonly ITextTokenizer _tokenizer;
    private readonly EngineLoop _loop;
    private readonly GenerationValidator _validator;
    private readonly TimeProvider _time;
    private const byte Running = 0;
    private const byte AbortRequested = 1;
    private readonly ConcurrentDictionary<string, byte> _liveRequestIds = new();

    /// <summary>Requests with n &gt; 1, by the caller's id, and the ids of their child requests.</summary>
    private readonly ConcurrentDictionary<string, string[]> _parents = new();
    private readonly EngineMetrics? _metrics;
    private int _numAdmitted;
    private int _disposed;

    /// <summary>An engine over one executor that it owns (in process, as offline <c>generate</c> runs): the executor
    /// joins at once as "worker-0", and after a fault rejoins with an empty KV pool after a backoff.</summary>
    public InferenceEngine(
        IStepExecutor executor,
        ITextTokenizer tokenizer,
        EngineOptions options,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null,
        TimeProvider? timeProvider = null)
        : this(executor?.Info ?? throw new ArgumentNullException(nameof(executor)), tokenizer, options, loggerFactory, meterFactory, timeProvider)
    {
        _executors["worker-0"] = ("in-process", executor);
        _loop.AddWorker("worker-0", "in-process", executor, rejoinAfterFault: true);
    }

    /// <summary>An engine for a fleet of workers that serve <paramref name="model"/>: none serves until
    /// <see cref="AddWorkerAsync"/>; requests wait for one (up to <see cref="EngineOptions.NoWorkerTimeout"/>).</summary>
    /// <param name="model">The model every worker must serve; its KV capacity bounds the context length.</param>
    public InferenceEngine(
        ExecutorInfo model,
        ITextTokenizer tokenizer,
        EngineOptions options,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        options.Validate();
        _tokenizer = tokenizer;
        _time = timeProvider ?? TimeProvider.System;
        ExecutorInfo = model;
        Options = options;
        ServedModelName = options.ServedModelName ?? ExecutorInfo.ModelName;

        // A request must fit the KV memory of a worker on its own, or it could never run.
        var kvCapacity = ExecutorInfo.NumBlocks * ExecutorInfo.BlockSize;
        MaxModelLength = Math.Min(Math.Min(options.MaxModelLength ?? int.MaxValue, ExecutorInfo.MaxModelLength), kvCapacity);
        _validator = new GenerationValidator(ExecutorInfo.VocabSize, MaxModelLength);
        _loras = new LoraAdapterRegistry(ExecutorInfo.LoraAdapters ?? [], DropRetiredInBackground);

        var fleet = new WorkerFleet(new FleetConfig(
            new SchedulerConfig(
                options.MaxNumSeqs,
                options.MaxNumBatchedTokens,
                MaxModelLength,
                ExecutorInfo.BlockSize,
                ExecutorInfo.NumBlocks,
                ExecutorInfo.EosTokenIds,
                options.EnablePrefixCaching,
                options.Policy,
                options.AsyncScheduling,
                options.MaxLoras,
                options.Speculative),
            options.Placement,
            options.BalanceThreshold));
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<InferenceEngine>();
        _logger = logger;
        EngineLoop? loop = null;
        _metrics = meterFactory is null ? null : new EngineMetrics(
            meterFactory, () => loop?.Snapshot ?? EngineSnapshot.Empty, ServedModelName, () => MaxLorasLabel, _time);
        loop = new EngineLoop(fleet, options, logger, _metrics, _time);
        _loop = loop;
        _loop.Start();
    }

    public ExecutorInfo ExecutorInfo { get; }

    public EngineOptions Options { get; }

    /// <summary>Options' name, else the executor's model name.</summary>
    public string ServedModelName { get; }

    /// <summary>Longest prompt plus output accepted: the smallest of the option, the executor's limit and
    /// its KV capacity.</summary>
    public int MaxModelLength { get; }

    /// <summary>Running and waiting counts, KV usage and the serving workers, as of the engine loop's last turn.</summary>
    public EngineSnapshot Snapshot => _loop.Snapshot;

    /// <summary>Requests admitted and not yet finished (bounded by <see cref="EngineOptions.MaxConcurrentRequests"/>).</summary>
    public int NumAdmitted => Volatile.Read(ref _numAdmitted);


    /// <summary>
    /// Validates, tokenizes, enqueues and streams one request. The last output carries Finish and Usage.
    /// Cancelling <paramref name="cancellationToken"/> (or abandoning the enumeration) aborts the request
    /// and frees its blocks.
    /// </summary>
    /// <exception cref="GenerationValidationException">The request is invalid; nothing was queued.</exception>
    /// <exception cref="EngineOverloadedException">The admission bound is reached; nothing was queued.</exception>
    /// <exception cref="EngineUnavailableException">No worker served the request within the no-worker timeout.</exception>
    /// <exception cref="TaskNotSupportedException">The model is a sequence classifier, which generates nothing.</exception>
    public async IAsyncEnumerable<GenerationOutput> GenerateAsync(
        GenerationRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (ExecutorInfo.Classifier is not null)
        {
            throw TaskNotSupportedException.Generation(ServedModelName);
        }

        using var lora = _loras.Acquire(request.Params.LoraName);
        _validator.ValidateParams(request.Params);

        // Each of the n completions is a request of the engine, and counts against the admission bound.
        var n = request.Params.N;
        if (Interlocked.Add(ref _numAdmitted, n) > Options.MaxConcurrentRequests)
        {
            Interlocked.Add(ref _numAdmitted, -n);
            _metrics?.RecordRejected();
            throw new EngineOverloadedException(Options.MaxConcurrentRequests);
        }

        try
        {
            await foreach (var output in RunAdmittedAsync(request, cancellationToken))
            {
                yield return output;
            }
        }
        finally
        {
            Interlocked.Add(ref _numAdmitted, -n);
        }
    }

    private async IAsyncEnumerable<GenerationOutput> RunAdmittedAsync(
        GenerationRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var p = ModelDefaults.Apply(request.Params, ExecutorInfo.Defaults);
        var embeds = request.Prompt as EmbedsPrompt;
        if (embeds is not null)
        {
            _validator.ValidatePromptEmbeds(embeds, p, Options.EnablePromptEmbeds, ExecutorInfo.HiddenSize);
        }

        var promptIds = Truncate(p.Suffix is { } suffix
            ? await TokenizeInfillAsync(request.Prompt, suffix, cancellationToken)
            : await TokenizeAsync(request.Prompt, cancellationToken), p);
        _validator.ValidatePrompt(promptIds, p);
        var textTokens = new TextFieldTokens(
            await TokenizeBadWordsAsync(p.BadWords, cancellationToken),
            p.Prediction is { } prediction ? [.. await _tokenizer.EncodeAsync(prediction, parseSpecialTokens: false, addSpecialTokens: false, cancellationToken)] : null,
            embeds is null ? null : LastRows(embeds, promptIds.Count));

        var requestId = string.IsNullOrEmpty(request.RequestId) ? $"req-{Guid.NewGuid():N}" : request.RequestId;
        var completions = p.UseBeamSearch
            ? BeamSearchAsync(requestId, promptIds, p, request.Priority, cancellationToken)
            : p.N == 1
                ? RunOneAsync(requestId, promptIds, textTokens, p, request.Priority, index: 0, cancellationToken)
                : RunParallelAsync(requestId, promptIds, textTokens, p, request.Priority, cancellationToken);
        await foreach (var output in completions)
        {
            yield return output;
        }
    }

    /// <summary>
    /// vLLM v1's parallel sampling: n child requests "{i}_{id}". The first runs alone until its prompt is computed, so
    /// its full KV blocks are in the prefix cache; the others then start and take those blocks instead of computing the
    /// prompt again (only the prompt's last, partial block is computed per child). Outputs come as they are made,
    /// each tagged with its completion's index.
    /// </summary>
    private async IAsyncEnumerable<GenerationOutput> RunParallelAsync(
        string parentId,
        IReadOnlyList<int> promptIds,
        TextFieldTokens textTokens,
        GenerationParams p,
        int priority,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var childIds = Enumerable.Range(0, p.N).Select(i => $"{i}_{parentId}").ToArray();
        if (_liveRequestIds.ContainsKey(parentId) || !_parents.TryAdd(parentId, childIds))
        {
            throw new DuplicateRequestIdException(parentId);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var merged = Channel.CreateUnbounded<GenerationOutput>(new UnboundedChannelOptions { SingleReader = true });
        var children = RunChildrenAsync(parentId, childIds, promptIds, textTokens, p, priority, merged.Writer, stop.Token);
        try
        {
            await foreach (var output in merged.Reader.ReadAllAsync(cancellationToken))
            {
                yield return output;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await children;
            _parents.TryRemove(parentId, out _);
        }
    }

    /// <summary>Runs the children into <paramref name="merged"/> and completes it, with the first failure if any.</summary>
    private async Task RunChildrenAsync(
        string parentId,
        string[] childIds,
        IReadOnlyList<int> promptIds,
        TextFieldTokens textTokens,
        GenerationParams p,
        int priority,
        ChannelWriter<GenerationOutput> merged,
        CancellationToken cancellationToken)
    {
        try
        {
            var promptComputed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var first = PumpAsync(0, promptComputed);
            await Task.WhenAny(promptComputed.Task, first);
            var all = childIds.Skip(1).Select((_, i) => PumpAsync(i + 1, null)).Prepend(first).ToArray();
            await Task.WhenAll(all);
            merged.TryComplete();
        }
        catch (Exception ex)
        {
            merged.TryComplete(cancellationToken.IsCancellationRequested ? null : ex);
        }

        async Task PumpAsync(int index, TaskCompletionSource? firstOutput)
        {
            // Completion i samples with seed + i: reproducible, and different from its siblings.
            // Only the first scores the prompt (one set of prompt logprobs per prompt); the others then use its cached blocks.
            var child = p with
            {
                N = 1,
                Seed = p.Seed is { } seed ? unchecked(seed + (ulong)index) : null,
                PromptLogprobs = index == 0 ? p.PromptLogprobs : null,
            };
            try
            {
                await foreach (var output in RunOneAsync(childIds[index], promptIds, textTokens, child, priority, index, cancellationToken))
                {
                    // Callers know the request by their id; the index tells the completions apart.
                    await merged.WriteAsync(output with { RequestId = parentId }, cancellationToken);
                    firstOutput?.TrySetResult();
                }
            }
            finally
            {
                firstOutput?.TrySetResult();
            }
        }
    }

    private async IAsyncEnumerable<GenerationOutput> RunOneAsync(
        string requestId,
        IReadOnlyList<int> promptIds,
        TextFieldTokens textTokens,
        GenerationParams p,
        int priority,
        int index,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ReserveRequestId(requestId);
        try
        {
            await using var detokenizer = await _tokenizer.StartDetokenizerAsync(
                new DetokenizerOptions(p.SkipSpecialTokens, p.Stop, p.IncludeStopStrInOutput, p.MinTokens), cancellationToken);
            var engineRequest = new EngineRequest(requestId, promptIds, ToSampling(p, textTokens.BadWords), ToStopping(p, promptIds.Count), priority, _time.GetTimestamp(),
                textTokens.PromptEmbeds is { } embeds ? PromptEmbedsSalt(embeds, p.CacheSalt) : p.CacheSalt,
                loraName: p.LoraName, loraLoadId: LoadIdOf(p.LoraName))
            {
                PredictionTokenIds = textTokens.Prediction,
                PromptEmbeds = textTokens.PromptEmbeds,
            };
            var first = true;
            await foreach (var output in RunEngineRequestAsync(engineRequest, cancellationToken))
            {
                // A prompt given as embeddings has placeholder ids, which are no prompt to show.
                var result = await ToGenerationOutputAsync(output, detokenizer, first && textTokens.PromptEmbeds is null ? promptIds : null, index, p.Stop is { Count: > 0 },
                    p.IncludeStopStrInOutput, textTokens.Prediction?.Length ?? 0, cancellationToken);
                first = false;
                yield return result;
                if (result.Finish is not null)
                {
                    // A stop string may end it before the engine did: leaving the engine's stream aborts it there.
                    yield break;
                }
            }

            // The loop completed the stream without a final output: only on shutdown.
            yield return new GenerationOutput(requestId, [], "", FinishReason.Abort, null,
                new GenerationUsage(promptIds.Count, 0, 0), first ? promptIds : null, index);
        }
        finally
        {
            _liveRequestIds.TryRemove(requestId, out _);
        }
    }

    /// <summary>Claims a caller's request id among the live ones (and the parents of n &gt; 1 requests); release it with
    /// <c>_liveRequestIds.TryRemove</c> when the request ends.</summary>
    /// <exception cref="DuplicateRequestIdException">The id is live.</exception>
    private void ReserveRequestId(string requestId)
    {
        if (_parents.ContainsKey(requestId) || !_liveRequestIds.TryAdd(requestId, Running))
        {
            throw new DuplicateRequestIdException(requestId);
        }
    }

    /// <summary>
    /// Submits a request whose id is reserved and streams the engine's outputs for it up to its final one. Leaving
    /// the enumeration before that (cancellation, a stop string, a caller gone) aborts it in the engine; on shutdown the
    /// stream ends without a final output.
    /// </summary>
    private async IAsyncEnumerable<EngineOutput> RunEngineRequestAsync(
        EngineRequest engineRequest,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var requestId = engineRequest.RequestId;
        var outputs = Channel.CreateUnbounded<EngineOutput>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        if (!_loop.Submit(engineRequest, outputs.Writer))
        {
            throw new ObjectDisposedException(nameof(InferenceEngine));
        }

        if (_liveRequestIds.TryGetValue(requestId, out var state) && state == AbortRequested)
        {
            // Abort came while the request was being tokenized, before the loop knew it.
            _loop.Abort(requestId);
        }

        var finished = false;
        try
        {
            await foreach (var output in outputs.Reader.ReadAllAsync(cancellationToken))
            {
                finished = output.Finish is not null;
                yield return output;
                if (finished)
                {
                    yield break;
                }
            }

            // Completed by shutdown: the loop holds nothing of it any more.
            finished = true;
        }
        finally
        {
            if (!finished)
            {
                _loop.Abort(requestId);
            }
        }
    }

    /// <summary>
    /// Ends a running request as cancelling its <see cref="GenerateAsync"/> does, except that its stream ends with a
    /// last output whose finish reason is <see cref="FinishReason.Abort"/>.
    /// </summary>
    /// <returns>False when no running request has that id.</returns>
    public bool Abort(string requestId)
    {
        if (_parents.TryGetValue(requestId, out var children))
        {
            var any = false;
            foreach (var child in children)
            {
                any |= Abort(child);
            }

            return any;
        }

        if (!_liveRequestIds.TryUpdate(requestId, AbortRequested, Running))
        {
            return false;
        }

        _loop.Abort(requestId);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _loop.DisposeAsync();
        }
    }

    /// <param name="hasStopStrings">The request has stop strings: an output of several tokens (accepted drafts) is then
    /// detokenized one token at a time, so that the tokens after the one that completes a stop string are dropped, as
    /// decoding one token a step would never have produced them.</param>
    /// <param name="includeStopToken">include_stop_str_in_output: the EOS or stop id that ended the answer is
    /// detokenized into its text too; otherwise, as vLLM's detokenizer, it is left out of the text (it stays among the
    /// tokens, their logprobs and the usage).</param>
    /// <param name="predictionTokens">The request's prediction's tokens (0 without one), for the usage.</param>
    private static async ValueTask<GenerationOutput> ToGenerationOutputAsync(
        EngineOutput output,
        IIncrementalDetokenizer detokenizer,
        IReadOnlyList<int>? promptIds,
        int index,
        bool hasStopStrings,
        bool includeStopToken,
        int predictionTokens,
        CancellationToken cancellationToken)
    {
        var finish = output.Finish;
        var stopReason = output.StopReason;
        var text = "";
        var kept = output.NewTokens.Count;
        if (output.NewTokens.Count > 0 || finish is not null)
        {
            int[] ids = [.. output.NewTokens.Select(t => t.TokenId)];
            if (finish == FinishReason.Stop && !includeStopToken && ids.Length > 0)
            {
                // The engine's Stop is an EOS or a stop id, always the last token: its text is no part of the answer.
                ids = ids[..^1];
            }

            var pushes = hasStopStrings && ids.Length > 1 ? ids.Select(id => new[] { id }).ToArray() : [ids];
            for (var i = 0; i < pushes.Length; i++)
            {
                var delta = await detokenizer.PushAsync(pushes[i], final: finish is not null && i == pushes.Length - 1, cancellationToken);
                text += delta.Text;
                if (delta.Stopped)
                {
                    finish = FinishReason.StopString;
                    stopReason = delta.MatchedStop;
                    kept = pushes.Length == 1 ? ids.Length : i + 1;
                    break;
                }
            }
        }

        GeneratedToken[] tokens = [.. output.NewTokens.Take(kept).Select(t => new GeneratedToken(t.TokenId, t.Logprob, t.TopLogprobs))];
        var numOutputTokens = output.NumOutputTokens - (output.NewTokens.Count - kept);
        // Accepted drafts after a stop string's end were dropped with the tokens above.
        var usage = finish is null ? null : new GenerationUsage(output.NumPromptTokens, numOutputTokens, output.NumCachedTokens,
            predictionTokens, Math.Min(output.NumAcceptedPredictionTokens, numOutputTokens));
        return new GenerationOutput(output.RequestId, tokens, text, finish, stopReason, usage, promptIds, index, output.PromptLogprobs);
    }

    /// <summary>truncate_prompt_tokens: the prompt's last k tokens (-1: as many as fit before max_tokens, else one).</summary>
    private IReadOnlyList<int> Truncate(IReadOnlyList<int> promptIds, GenerationParams p)
    {
        if (p.TruncatePromptTokens is not { } keep)
        {
            return promptIds;
        }

        if (keep == -1)
        {
            keep = Math.Max(1, MaxModelLength - (p.MaxTokens ?? 1));
        }

        return promptIds.Count <= keep ? promptIds : [.. promptIds.Skip(promptIds.Count - keep)];
    }

    private async ValueTask<IReadOnlyList<int>> TokenizeAsync(Prompt prompt, CancellationToken cancellationToken)
    {
        switch (prompt)
        {
            case TokenIdsPrompt ids:
                return ids.Ids;
            case EmbedsPrompt embeds:
                // Placeholders: the worker reads the embeddings at these positions and never looks the ids up.
                return new int[embeds.Rows];
            case TextPrompt text:
                if (string.IsNullOrEmpty(text.Text))
                {
                    throw new GenerationValidationException("prompt", "prompt must not be empty.");
                }

                return await _tokenizer.EncodeAsync(text.Text, text.ParseSpecialTokens, text.AddSpecialTokens, cancellationToken);
            case ChatPrompt chat:
                try
                {
                    return await _tokenizer.EncodeChatAsync(chat.Input, cancellationToken);
                }
                catch (ChatTemplateException ex)
                {
                    // With the request's own template, that template is what failed (the gateway checked the messages' shape).
                    throw new GenerationValidationException(chat.Input.ChatTemplate is null ? "messages" : "chat_template", ex.Message);
                }

            default:
                throw new GenerationValidationException("prompt", $"Unsupported prompt kind {prompt?.GetType().Name ?? "null"}.");
        }
    }

    /// <summary>
    /// Fill in the middle (completions' suffix): &lt;|fim_prefix|&gt; prefix &lt;|fim_suffix|&gt; suffix &lt;|fim_middle|&gt;,
    /// the prefix-suffix-middle layout Qwen2.5-Coder is trained on (llama.cpp's /infill builds the same), after the
    /// tokenizer's BOS when a text prompt adds special tokens. The markers are the tokenizer's own special tokens; a
    /// tokenizer without them cannot infill. The prefix may be empty.
    /// </summary>
    private async ValueTask<IReadOnlyList<int>> TokenizeInfillAsync(Prompt prompt, string suffix, CancellationToken cancellationToken)
    {
        var (start, prefix) = prompt switch
        {
            TokenIdsPrompt ids => ([], ids.Ids),
            TextPrompt text => (
                await _tokenizer.EncodeAsync("", parseSpecialTokens: false, text.AddSpecialTokens, cancellationToken),
                await _tokenizer.EncodeAsync(text.Text, text.ParseSpecialTokens, addSpecialTokens: false, cancellationToken)),
            _ => throw new GenerationValidationException("suffix", "suffix fills in the middle of a completions prompt (text or token ids); chat messages take none."),
        };
        var suffixIds = await _tokenizer.EncodeAsync(suffix, parseSpecialTokens: false, addSpecialTokens: false, cancellationToken);
        return
        [
            .. start,
            await FimTokenAsync("<|fim_prefix|>", cancellationToken),
            .. prefix,
            await FimTokenAsync("<|fim_suffix|>", cancellationToken),
            .. suffixIds,
            await FimTokenAsync("<|fim_middle|>", cancellationToken),
        ];
    }

    /// <summary>A fill-in-the-middle marker's id: one special token of the tokenizer, else the model cannot infill.</summary>
    private async ValueTask<int> FimTokenAsync(string marker, CancellationToken cancellationToken)
    {
        var parsed = await _tokenizer.EncodeAsync(marker, parseSpecialTokens: true, addSpecialTokens: false, cancellationToken);
        return parsed.Count == 1
            ? parsed[0]
            : throw new GenerationValidationException("suffix", $"suffix needs the model's fill-in-the-middle tokens, and its tokenizer has no {marker} token.");
    }

    /// <summary>
    /// vLLM's bad-word tokenization: each word (leading whitespace dropped) alone, and again after a space when that
    /// gives a different first token and the same length (the word in the middle of a sentence).
    /// </summary>
    private async ValueTask<IReadOnlyList<IReadOnlyList<int>>> TokenizeBadWordsAsync(IReadOnlyList<string> words, CancellationToken cancellationToken)
    {
        var sequences = new List<IReadOnlyList<int>>();
        foreach (var word in words)
        {
            var alone = await _tokenizer.EncodeAsync(word.TrimStart(), parseSpecialTokens: false, addSpecialTokens: false, cancellationToken);
            var spaced = await _tokenizer.EncodeAsync(" " + word.TrimStart(), parseSpecialTokens: false, addSpecialTokens: false, cancellationToken);
            if (alone.Count == 0)
            {
                throw new GenerationValidationException("bad_words", "bad_words must not contain empty or whitespace-only words.");
            }

            sequences.Add(alone);
            if (spaced.Count == alone.Count && spaced[0] != alone[0])
            {
                sequences.Add(spaced);
            }
        }

        return sequences;
    }

    /// <summary>The request's text fields as token ids, tokenized once and shared by its n completions, and its prompt embeddings.</summary>
    /// <param name="BadWords">Each bad word's sequences (<see cref="TokenizeBadWordsAsync"/>).</param>
    /// <param name="Prediction">The prediction's tokens (no special tokens added or parsed); null without one.</param>
    /// <param name="PromptEmbeds">The prompt's input embeddings, truncated as its placeholder ids were; null: a prompt of tokens.</param>
    private sealed record TextFieldTokens(IReadOnlyList<IReadOnlyList<int>> BadWords, int[]? Prediction, float[]? PromptEmbeds = null);

    /// <summary>The last <paramref name="rows"/> rows of the prompt's embeddings (truncate_prompt_tokens keeps the prompt's end).</summary>
    private static float[] LastRows(EmbedsPrompt embeds, int rows)
    {
        int width = embeds.Values.Length / embeds.Rows;
        return rows == embeds.Rows ? embeds.Values : embeds.Values[((embeds.Rows - rows) * width)..];
    }

    /// <summary>
    /// The prefix-cache root of a prompt given as embeddings: its placeholder ids say nothing of its content, so the
    /// embeddings' hash (and the request's own salt) root its hash chain: only the same embeddings share cached blocks.
    /// </summary>
    private static string PromptEmbedsSalt(float[] embeds, string? cacheSalt) =>
        $"prompt_embeds:{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(embeds.AsSpan())))}" +
        (cacheSalt is null ? "" : $"|{cacheSalt}");

    private static SamplingParams ToSampling(GenerationParams p, IReadOnlyList<IReadOnlyList<int>> badWords) => new(
        Temperature: p.Temperature ?? 1f,
        TopP: p.TopP ?? 1f,
        TopK: Math.Max(0, p.TopK ?? 0),
        MinP: p.MinP ?? 0f,
        Seed: p.Seed,
        PresencePenalty: p.PresencePenalty ?? 0f,
        FrequencyPenalty: p.FrequencyPenalty ?? 0f,
        RepetitionPenalty: p.RepetitionPenalty ?? 1f,
        Logprobs: p.Logprobs,
        LogitBias: p.LogitBias,
        AllowedTokenIds: p.AllowedTokenIds,
        StructuredOutput: p.StructuredOutput,
        BadWords: badWords.Count > 0 ? badWords : null,
        PromptLogprobs: p.PromptLogprobs);

    /// <summary>An unset max_tokens runs to the model's default (generation_config.json max_new_tokens) or the
    /// context limit, whichever comes first.</summary>
    private StoppingCriteria ToStopping(GenerationParams p, int promptLength) => new(
        MaxTokens: p.MaxTokens ?? Math.Min(ExecutorInfo.Defaults?.MaxTokens ?? int.MaxValue, MaxModelLength - promptLength),
        MinTokens: p.MinTokens,
        IgnoreEos: p.IgnoreEos,
        StopTokenIds: p.StopTokenIds);
}
