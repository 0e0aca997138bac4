using System.Diagnostics.Metrics;
using Scheduler.Core.Scheduling;

namespace Scheduler.Core.Engine;

/// <summary>Engine instruments under vLLM's metric names, so dashboards built for vLLM read them.</summary>
internal sealed class EngineMetrics
{
    public const string MeterName = "Scheduler.Engine";

    private readonly Counter<long> _promptTokens;
    private readonly Counter<long> _generationTokens;
    private readonly Counter<long> _preemptions;
    private readonly Counter<long> _prefixQueries;
    private readonly Counter<long> _prefixHits;
    private readonly Counter<long> _requestSuccess;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _interTokenLatency;
    private readonly Histogram<double> _e2eLatency;

    public EngineMetrics(IMeterFactory meterFactory, Func<EngineSnapshot> snapshot, string modelName)
    {
        var meter = meterFactory.Create(MeterName);
        KeyValuePair<string, object?>[] model = [new("model_name", modelName)];
        meter.CreateObservableGauge("vllm:num_requests_running", () => new Measurement<int>(snapshot().NumRunning, model), "{request}", "Requests in the running batch.");
        meter.CreateObservableGauge("vllm:num_requests_waiting", () => new Measurement<int>(snapshot().NumWaiting, model), "{request}", "Requests waiting to run.");
        meter.CreateObservableGauge("vllm:kv_cache_usage_perc", () => new Measurement<double>(snapshot().KvCacheUsage, model), "1", "Fraction of KV blocks in use, 0 to 1.");
        _promptTokens = meter.CreateCounter<long>("vllm:prompt_tokens_total", "{token}", "Prefill tokens processed.");
        _generationTokens = meter.CreateCounter<long>("vllm:generation_tokens_total", "{token}", "Tokens generated.");
        _preemptions = meter.CreateCounter<long>("vllm:num_preemptions_total", "{preemption}", "Recompute preemptions.");
        _prefixQueries = meter.CreateCounter<long>("vllm:prefix_cache_queries_total", "{token}", "Tokens looked up in the prefix cache.");
        _prefixHits = meter.CreateCounter<long>("vllm:prefix_cache_hits_total", "{token}", "Tokens found in the prefix cache.");
        _requestSuccess = meter.CreateCounter<long>("vllm:request_success_total", "{request}", "Finished requests by finish reason.");
        _timeToFirstToken = meter.CreateHistogram<double>("vllm:time_to_first_token_seconds", "s", "Arrival to first token.");
        _interTokenLatency = meter.CreateHistogram<double>("vllm:inter_token_latency_seconds", "s", "Time between consecutive tokens.");
        _e2eLatency = meter.CreateHistogram<double>("vllm:e2e_request_latency_seconds", "s", "Arrival to finish.");
        Model = model[0];
    }

    private KeyValuePair<string, object?> Model { get; }

    public void RecordStep(StepStats stats, int generatedTokens)
    {
        _promptTokens.Add(stats.NumPromptTokens, Model);
        _generationTokens.Add(generatedTokens, Model);
        if (stats.NumPreemptions > 0)
        {
            _preemptions.Add(stats.NumPreemptions, Model);
        }

        if (stats.PrefixCacheQueries > 0)
        {
            _prefixQueries.Add(stats.PrefixCacheQueries, Model);
            _prefixHits.Add(stats.PrefixCacheHits, Model);
        }
    }

    public void RecordFirstToken(TimeSpan sinceArrival) => _timeToFirstToken.Record(sinceArrival.TotalSeconds, Model);

    public void RecordInterToken(TimeSpan sincePrevious) => _interTokenLatency.Record(sincePrevious.TotalSeconds, Model);

    public void RecordFinished(FinishReason reason, TimeSpan sinceArrival)
    {
        var tag = new KeyValuePair<string, object?>("finished_reason", reason.ToString().ToLowerInvariant());
        _requestSuccess.Add(1, Model, tag);
        _e2eLatency.Record(sinceArrival.TotalSeconds, Model);
    }
}
