using System.Diagnostics.Metrics;
using Scheduler.Core.Scheduling;

namespace Scheduler.Core.Engine;

/// <summary>
/// Engine instruments under vLLM's metric names, so dashboards built for vLLM read them. Per-worker series carry
/// a <c>worker</c> label; requests waiting for any worker are the waiting series without one. The fleet's own
/// series (workers, moves, refusals) use the <c>inference:</c> prefix.
/// </summary>
internal sealed class EngineMetrics
{
    public const string MeterName = "Scheduler.Engine";

    private readonly Counter<long> _promptTokens;
    private readonly Counter<long> _generationTokens;
    private readonly Counter<long> _preemptions;
    private readonly Counter<long> _prefixQueries;
    private readonly Counter<long> _prefixHits;
    private readonly Counter<long> _requestSuccess;
    private readonly Counter<long> _requestFailed;
    private readonly Counter<long> _requestRejected;
    private readonly Counter<long> _steps;
    private readonly Counter<long> _workerJoins;
    private readonly Counter<long> _workerRemovals;
    private readonly Counter<long> _requeued;
    private readonly Counter<double> _workerStepSeconds;
    private readonly Counter<double> _stepCallSeconds;
    private readonly Counter<long> _specDrafts;
    private readonly Counter<long> _specDraftTokens;
    private readonly Counter<long> _specAcceptedTokens;
    private readonly Counter<long> _specAcceptedPerPosition;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _interTokenLatency;
    private readonly Histogram<double> _e2eLatency;
    private readonly KeyValuePair<string, object?> _model;

    /// <param name="maxLora">The LoRA adapters served now (all loaded, any may share a batch: vLLM's max_loras); while there
    /// are none the vllm:lora_requests_info gauge reports nothing, as vLLM publishes it only with LoRA enabled. Null: none
    /// ever.</param>
    /// <param name="time">The clock whose Unix time the LoRA gauge reports.</param>
    public EngineMetrics(IMeterFactory meterFactory, Func<EngineSnapshot> snapshot, string modelName, Func<int>? maxLora = null, TimeProvider? time = null)
    {
        var meter = meterFactory.Create(MeterName);
        _model = new("model_name", modelName);
        meter.CreateObservableGauge("vllm:num_requests_running", () => PerWorker(snapshot(), w => w.NumRunning), "{request}",
            "Requests in a worker's running batch.");
        meter.CreateObservableGauge("vllm:num_requests_waiting", () => Waiting(snapshot()), "{request}",
            "Requests waiting: on a worker (worker label), or for any worker to join (no worker label).");
        meter.CreateObservableGauge("vllm:kv_cache_usage_perc", () => PerWorker(snapshot(), w => w.KvCacheUsage), "1",
            "Fraction of a worker's KV blocks in use, 0 to 1.");
        meter.CreateObservableGauge("inference:workers_serving", () => new Measurement<int>(snapshot().Workers.Count, _model), "{worker}",
            "Workers currently serving steps.");
        if (maxLora is not null)
        {
            var clock = time ?? TimeProvider.System;
            meter.CreateObservableGauge("vllm:lora_requests_info", () => LoraRequests(snapshot(), maxLora(), clock), "s",
                "Running and waiting requests' LoRA adapters in its labels (names joined by commas); the value is when it was read, in Unix seconds, as vLLM's.");
        }

        _promptTokens = meter.CreateCounter<long>("vllm:prompt_tokens_total", "{token}", "Prefill tokens processed.");
        _generationTokens = meter.CreateCounter<long>("vllm:generation_tokens_total", "{token}", "Tokens generated.");
        _preemptions = meter.CreateCounter<long>("vllm:num_preemptions_total", "{preemption}", "Recompute preemptions.");
        _prefixQueries = meter.CreateCounter<long>("vllm:prefix_cache_queries_total", "{token}", "Tokens looked up in the prefix cache.");
        _prefixHits = meter.CreateCounter<long>("vllm:prefix_cache_hits_total", "{token}", "Tokens found in the prefix cache.");
        _requestSuccess = meter.CreateCounter<long>("vllm:request_success_total", "{request}", "Finished requests by finish reason.");
        _requestFailed = meter.CreateCounter<long>("inference:requests_failed_total", "{request}", "Requests failed because no worker was serving.");
        _requestRejected = meter.CreateCounter<long>("inference:requests_rejected_total", "{request}", "Requests refused at the admission bound.");
        _steps = meter.CreateCounter<long>("inference:steps_total", "{step}", "Steps completed, per worker.");
        _workerJoins = meter.CreateCounter<long>("inference:worker_joins_total", "{worker}", "Worker instances that started serving.");
        _workerRemovals = meter.CreateCounter<long>("inference:worker_removals_total", "{worker}", "Worker instances removed (fault, hang, restart).");
        _requeued = meter.CreateCounter<long>("inference:requests_requeued_total", "{request}", "Requests moved off a removed worker.");
        _workerStepSeconds = meter.CreateCounter<double>("inference:worker_step_seconds_total", "s",
            "Time workers spent executing steps, as they report it (plan, forward, sampling), per worker.");
        _stepCallSeconds = meter.CreateCounter<double>("inference:step_call_seconds_total", "s",
            "Time from sending a step to its result reaching the engine loop, per worker; the rest of the wall time the worker had no step.");
        _specDrafts = meter.CreateCounter<long>("vllm:spec_decode_num_drafts_total", "{draft}", "Decodes that carried draft tokens (speculative decoding).");
        _specDraftTokens = meter.CreateCounter<long>("vllm:spec_decode_num_draft_tokens_total", "{token}", "Draft tokens proposed.");
        _specAcceptedTokens = meter.CreateCounter<long>("vllm:spec_decode_num_accepted_tokens_total", "{token}", "Draft tokens accepted.");
        _specAcceptedPerPosition = meter.CreateCounter<long>("vllm:spec_decode_num_accepted_tokens_per_pos_total", "{token}",
            "Draft tokens accepted, per position in the draft (position label, 0 = first).");
        _timeToFirstToken = meter.CreateHistogram<double>("vllm:time_to_first_token_seconds", "s", "Arrival to first token.");
        _interTokenLatency = meter.CreateHistogram<double>("vllm:inter_token_latency_seconds", "s", "Time between consecutive tokens.");
        _e2eLatency = meter.CreateHistogram<double>("vllm:e2e_request_latency_seconds", "s", "Arrival to finish.");
    }

    /// <param name="workerSeconds">The step's time inside the worker, as it reports it.</param>
    /// <param name="callSeconds">From sending the step to its result reaching the engine loop.</param>
    public void RecordStep(string workerId, StepStats stats, int generatedTokens, double workerSeconds, double callSeconds)
    {
        var worker = Worker(workerId);
        _steps.Add(1, _model, worker);
        _workerStepSeconds.Add(workerSeconds, _model, worker);
        _stepCallSeconds.Add(callSeconds, _model, worker);
        _promptTokens.Add(stats.NumPromptTokens, _model);
        _generationTokens.Add(generatedTokens, _model);
        if (stats.NumPreemptions > 0)
        {
            _preemptions.Add(stats.NumPreemptions, _model);
        }

        if (stats.PrefixCacheQueries > 0)
        {
            _prefixQueries.Add(stats.PrefixCacheQueries, _model);
            _prefixHits.Add(stats.PrefixCacheHits, _model);
        }
    }

    public void RecordSpeculation(Speculation.SpeculationStats speculation)
    {
        _specDrafts.Add(speculation.NumDrafts, _model);
        _specDraftTokens.Add(speculation.NumDraftTokens, _model);
        _specAcceptedTokens.Add(speculation.NumAcceptedTokens, _model);
        for (var i = 0; i < speculation.AcceptedPerPosition.Count; i++)
        {
            _specAcceptedPerPosition.Add(speculation.AcceptedPerPosition[i], _model,
                new KeyValuePair<string, object?>("position", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    public void RecordWorkerJoined(string workerId) => _workerJoins.Add(1, _model, Worker(workerId));

    public void RecordWorkerLeft(string workerId, int requeued)
    {
        _workerRemovals.Add(1, _model, Worker(workerId));
        _requeued.Add(requeued, _model);
    }

    public void RecordRejected() => _requestRejected.Add(1, _model);

    public void RecordFailed() => _requestFailed.Add(1, _model);

    public void RecordFirstToken(TimeSpan sinceArrival) => _timeToFirstToken.Record(sinceArrival.TotalSeconds, _model);

    public void RecordInterToken(TimeSpan sincePrevious) => _interTokenLatency.Record(sincePrevious.TotalSeconds, _model);

    public void RecordFinished(FinishReason reason, TimeSpan sinceArrival)
    {
        var tag = new KeyValuePair<string, object?>("finished_reason", reason.ToString().ToLowerInvariant());
        _requestSuccess.Add(1, _model, tag);
        _e2eLatency.Record(sinceArrival.TotalSeconds, _model);
    }

    /// <summary>vLLM's labels exactly (no model_name), so dashboards built for vLLM read it.</summary>
    /// <summary>Nothing while no adapter is served.</summary>
    private static IEnumerable<Measurement<double>> LoraRequests(EngineSnapshot snapshot, int maxLora, TimeProvider clock)
    {
        if (maxLora == 0)
        {
            yield break;
        }

        yield return new(
            clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0,
            new KeyValuePair<string, object?>("running_lora_adapters", string.Join(',', snapshot.RunningLoraAdapters)),
            new KeyValuePair<string, object?>("waiting_lora_adapters", string.Join(',', snapshot.WaitingLoraAdapters)),
            new KeyValuePair<string, object?>("max_lora", maxLora.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static KeyValuePair<string, object?> Worker(string workerId) => new("worker", workerId);

    private IEnumerable<Measurement<T>> PerWorker<T>(EngineSnapshot snapshot, Func<WorkerSnapshot, T> value)
        where T : struct =>
        snapshot.Workers.Select(w => new Measurement<T>(value(w), _model, Worker(w.WorkerId)));

    private IEnumerable<Measurement<int>> Waiting(EngineSnapshot snapshot) =>
        PerWorker(snapshot, w => w.NumWaiting).Append(new Measurement<int>(snapshot.NumUnplaced, _model));
}
