using System.Diagnostics.Metrics;

namespace Inference.Observability.Tests;

public sealed class PrometheusTextExporterTests : IDisposable
{
    private const string MeterName = "Test";

    private readonly TestMeterFactory _factory = new();
    private readonly PrometheusTextExporter _exporter;
    private readonly Meter _meter;

    public PrometheusTextExporterTests()
    {
        _exporter = new PrometheusTextExporter(_factory, [MeterName]);
        _meter = _factory.Create(MeterName);
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _factory.Dispose();
    }

    [Fact]
    public void Counter_SumsPerLabelSetUnderItsVllmNameWithTotal()
    {
        var counter = _meter.CreateCounter<long>("vllm:prompt_tokens", "{token}", "Number of prefill tokens processed.");
        counter.Add(3, new KeyValuePair<string, object?>("model_name", "qwen"));
        counter.Add(4, new KeyValuePair<string, object?>("model_name", "qwen"));
        counter.Add(1, new KeyValuePair<string, object?>("model_name", "other"));

        var lines = Lines();

        Assert.Equal(
            [
                "# HELP vllm:prompt_tokens_total Number of prefill tokens processed.",
                "# TYPE vllm:prompt_tokens_total counter",
                "vllm:prompt_tokens_total{model_name=\"other\"} 1",
                "vllm:prompt_tokens_total{model_name=\"qwen\"} 7",
            ],
            lines);
    }

    [Fact]
    public void Counter_NameEndingInTotal_IsNotSuffixedAgain()
    {
        _meter.CreateCounter<long>("vllm:num_preemptions_total").Add(2);

        Assert.Contains("vllm:num_preemptions_total 2", Lines());
    }

    [Fact]
    public void Labels_AreSortedByNameAndEscaped()
    {
        _meter.CreateCounter<int>("requests").Add(
            1,
            new KeyValuePair<string, object?>("worker", "w\"0\"\n"),
            new KeyValuePair<string, object?>("finished_reason", "stop"));

        Assert.Contains("requests_total{finished_reason=\"stop\",worker=\"w\\\"0\\\"\\n\"} 1", Lines());
    }

    [Fact]
    public void UpDownCounter_RendersAsAGaugeOfTheSum()
    {
        var running = _meter.CreateUpDownCounter<int>("vllm:num_requests_running");
        running.Add(3);
        running.Add(-1);

        var lines = Lines();

        Assert.Contains("# TYPE vllm:num_requests_running gauge", lines);
        Assert.Contains("vllm:num_requests_running 2", lines);
    }

    [Fact]
    public void ObservableGauge_RendersTheLastValuePerLabelSet_NotASumOverScrapes()
    {
        var usage = 0.25;
        _meter.CreateObservableGauge("vllm:kv_cache_usage_perc", () => new Measurement<double>(usage, new KeyValuePair<string, object?>("worker", "worker-0")));
        _exporter.Render();
        usage = 0.5;

        var lines = Lines();

        Assert.Contains("# TYPE vllm:kv_cache_usage_perc gauge", lines);
        Assert.Equal("vllm:kv_cache_usage_perc{worker=\"worker-0\"} 0.5", Assert.Single(lines, l => !l.StartsWith('#')));
    }

    [Fact]
    public void ObservableGauge_LabelSetNoLongerReported_Disappears()
    {
        var workers = new List<string> { "worker-0", "worker-1" };
        _meter.CreateObservableGauge(
            "vllm:num_requests_waiting",
            () => workers.Select(w => new Measurement<int>(1, new KeyValuePair<string, object?>("worker", w))));
        _exporter.Render();
        workers.Remove("worker-1");

        var lines = Lines();

        Assert.Contains("vllm:num_requests_waiting{worker=\"worker-0\"} 1", lines);
        Assert.DoesNotContain(lines, l => l.Contains("worker-1", StringComparison.Ordinal));
    }

    [Fact]
    public void Gauge_RendersTheLastRecordedValue()
    {
        var gauge = _meter.CreateGauge<double>("temperature");
        gauge.Record(3);
        gauge.Record(2);

        Assert.Contains("temperature 2", Lines());
    }

    [Fact]
    public void ObservableCounter_RendersTheCallbacksTotalAsACounter()
    {
        long preemptions = 5;
        _meter.CreateObservableCounter("vllm:num_preemptions", () => preemptions);
        _exporter.Render();
        preemptions = 6;

        var lines = Lines();

        Assert.Contains("# TYPE vllm:num_preemptions_total counter", lines);
        Assert.Contains("vllm:num_preemptions_total 6", lines);
    }

    [Fact]
    public void ObservableUpDownCounter_RendersItsCurrentValueAsAGauge()
    {
        _meter.CreateObservableUpDownCounter("free_blocks", () => 12);
        _exporter.Render();

        var lines = Lines();

        Assert.Contains("# TYPE free_blocks gauge", lines);
        Assert.Contains("free_blocks 12", lines);
    }

    [Fact]
    public void Histogram_WithBucketAdvice_RendersCumulativeBucketsSumAndCount()
    {
        var histogram = _meter.CreateHistogram(
            "vllm:time_to_first_token_seconds", "s", "TTFT.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1.0] });
        var model = new KeyValuePair<string, object?>("model_name", "qwen");
        histogram.Record(0.05, model);
        histogram.Record(0.5, model);
        histogram.Record(7, model);

        var lines = Lines();

        Assert.Equal(
            [
                "# HELP vllm:time_to_first_token_seconds TTFT.",
                "# TYPE vllm:time_to_first_token_seconds histogram",
                "vllm:time_to_first_token_seconds_bucket{model_name=\"qwen\",le=\"0.1\"} 1",
                "vllm:time_to_first_token_seconds_bucket{model_name=\"qwen\",le=\"1\"} 2",
                "vllm:time_to_first_token_seconds_bucket{model_name=\"qwen\",le=\"+Inf\"} 3",
                "vllm:time_to_first_token_seconds_sum{model_name=\"qwen\"} 7.55",
                "vllm:time_to_first_token_seconds_count{model_name=\"qwen\"} 3",
            ],
            lines);
    }

    [Fact]
    public void Histogram_WithoutAdviceOrLabels_UsesDefaultBucketsAndNoBraces()
    {
        _meter.CreateHistogram<long>("batch_size").Record(3);

        var lines = Lines();

        Assert.Contains("batch_size_bucket{le=\"2.5\"} 0", lines);
        Assert.Contains("batch_size_bucket{le=\"5\"} 1", lines);
        Assert.Contains("batch_size_count 1", lines);
    }

    [Fact]
    public void Render_OrdersFamiliesByName()
    {
        _meter.CreateCounter<long>("b").Add(1);
        _meter.CreateCounter<long>("a").Add(1);

        Assert.Equal(["# TYPE a_total counter", "a_total 1", "# TYPE b_total counter", "b_total 1"], Lines());
    }

    [Fact]
    public void Render_SkipsMetersNotNamed()
    {
        _factory.Create("Other").CreateCounter<long>("elsewhere").Add(1);

        Assert.Empty(Lines());
    }

    [Fact]
    public void Render_SkipsMetersOfAnotherFactory()
    {
        using var other = new TestMeterFactory();
        other.Create(MeterName).CreateCounter<long>("elsewhere").Add(1);

        Assert.Empty(Lines());
    }

    [Fact]
    public void Render_AfterTheMeterIsDisposed_DropsItsFamilies()
    {
        var meter = _factory.Create(new MeterOptions(MeterName) { Version = "short-lived" });
        meter.CreateCounter<long>("gone").Add(1);
        meter.Dispose();

        Assert.Empty(Lines());
    }

    [Fact]
    public void Render_WhenAnObservableCallbackThrows_StillRendersTheOthers()
    {
        _meter.CreateObservableGauge<int>("broken", () => Fail());
        _meter.CreateObservableGauge("fine", () => 1);

        var lines = Lines();

        Assert.Contains("fine 1", lines);
        Assert.Contains("# an observable instrument's callback failed: no value", lines);
    }

    private static int Fail() => throw new InvalidOperationException("no value");

    private string[] Lines() => _exporter.Render().Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
