using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gateway.Api.Generation;
using Gateway.Backends;

namespace Gateway.Observability;

/// <summary>
/// Request metrics as seen by the front door, under vLLM's names (so vLLM dashboards work): successes by finish
/// reason, token counts, time to first token and end-to-end latency. Prometheus text at <c>/metrics</c>, where the
/// scheduler's families of the same names take their place whenever it answers (see <see cref="MetricsEndpoint"/>).
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "Gateway";

    private readonly Counter<long> _requestSuccess;
    private readonly Counter<long> _promptTokens;
    private readonly Counter<long> _generationTokens;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _e2eLatency;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requestSuccess = meter.CreateCounter<long>(
            "vllm:request_success", "{request}", "Count of successfully processed requests.");
        _promptTokens = meter.CreateCounter<long>(
            "vllm:prompt_tokens", "{token}", "Number of prefill tokens processed.");
        _generationTokens = meter.CreateCounter<long>(
            "vllm:generation_tokens", "{token}", "Number of generation tokens processed.");
        // vLLM's bucket boundaries, so histograms line up with its dashboards.
        _timeToFirstToken = meter.CreateHistogram(
            "vllm:time_to_first_token_seconds", "s", "Histogram of time to first token in seconds.",
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries =
                    [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0],
            });
        _e2eLatency = meter.CreateHistogram(
            "vllm:e2e_request_latency_seconds", "s", "Histogram of end to end request latency in seconds.",
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries =
                    [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0],
            });
    }

    /// <summary>Starts timing one generation request.</summary>
    public RequestTiming Start(string modelName) => new(this, modelName, Stopwatch.GetTimestamp());

    /// <summary>The clock of one request: first token, then the end.</summary>
    public sealed class RequestTiming(GatewayMetrics metrics, string modelName, long startedAt)
    {
        private readonly KeyValuePair<string, object?> _model = new("model_name", modelName);

        public void FirstToken() =>
            metrics._timeToFirstToken.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, _model);

        public void Finished(FinishReason finish, GenerationUsage usage)
        {
            metrics._e2eLatency.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, _model);
            metrics._requestSuccess.Add(1, _model, new KeyValuePair<string, object?>("finished_reason", finish.ToOpenAi()));
            metrics._promptTokens.Add(usage.PromptTokens, _model);
            metrics._generationTokens.Add(usage.CompletionTokens, _model);
        }
    }
}
