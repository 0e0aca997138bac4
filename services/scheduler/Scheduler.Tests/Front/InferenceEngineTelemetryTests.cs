using Inference.Abstractions.Generation;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Scheduler.Core;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

public sealed class InferenceEngineTelemetryTests
{
    [Fact]
    public async Task GenerateAsync_WithActivity_LogsVllmStyleThroughputLine()
    {
        var logs = new CapturingLoggerFactory();
        var options = new EngineOptions { StatsInterval = TimeSpan.FromTicks(1) };
        await using var engine = new InferenceEngine(new FakeStepExecutor(), new FakeTextTokenizer(), options, logs);

        await engine.CollectAsync(EngineFixture.Text("abcd", new GenerationParams { MaxTokens = 3 })).WaitAsync(EngineFixture.Timeout);
        await EngineFixture.EventuallyAsync(() => logs.Messages.Any(m => m.StartsWith("Avg prompt throughput: ", StringComparison.Ordinal)));

        var line = logs.Messages.First(m => m.StartsWith("Avg prompt throughput: ", StringComparison.Ordinal));
        Assert.Matches(@"^Avg prompt throughput: [\d.]+ tokens/s, Avg generation throughput: [\d.]+ tokens/s, Running: \d+ reqs, " +
                       @"Waiting: \d+ reqs, GPU KV cache usage: [\d.]+%, Prefix cache hit rate: [\d.]+%$", line);
    }

    [Fact]
    public async Task GenerateAsync_WithLogStatsOff_LogsNoThroughputLine()
    {
        var logs = new CapturingLoggerFactory();
        var options = new EngineOptions { StatsInterval = TimeSpan.FromTicks(1), LogStats = false };
        await using var engine = new InferenceEngine(new FakeStepExecutor(), new FakeTextTokenizer(), options, logs);

        await engine.CollectAsync(EngineFixture.Text("abcd", new GenerationParams { MaxTokens = 3 })).WaitAsync(EngineFixture.Timeout);
        await engine.CollectAsync(EngineFixture.Text("efgh", new GenerationParams { MaxTokens = 3 })).WaitAsync(EngineFixture.Timeout);

        Assert.DoesNotContain(logs.Messages, m => m.StartsWith("Avg prompt throughput: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GenerateAsync_RecordsVllmNamedTokenCountersAndLatencies()
    {
        using var meters = new TestMeterFactory();
        var totals = new ConcurrentDictionary<string, double>();
        using var listener = Listen(meters, totals, histogramValue: _ => 1);
        await using var engine = new InferenceEngine(new FakeStepExecutor(), new FakeTextTokenizer(), new EngineOptions(), meterFactory: meters);

        await engine.CollectAsync(EngineFixture.Text("abcd", new GenerationParams { MaxTokens = 3 })).WaitAsync(EngineFixture.Timeout);
        listener.RecordObservableInstruments();

        Assert.Equal(4, totals["vllm:prompt_tokens_total"]);
        Assert.Equal(3, totals["vllm:generation_tokens_total"]);
        Assert.Equal(1, totals["vllm:request_success_total"]);
        Assert.Equal(1, totals["vllm:time_to_first_token_seconds"]);
        Assert.Equal(2, totals["vllm:inter_token_latency_seconds"]);
        Assert.Equal(0, totals["vllm:num_requests_running"]);
    }

    [Fact]
    public async Task GenerateAsync_AddsEachStepsWorkerReportedTimeToWorkerStepSeconds()
    {
        using var meters = new TestMeterFactory();
        var totals = new ConcurrentDictionary<string, double>();
        using var listener = Listen(meters, totals, histogramValue: value => value);
        await using var engine = new InferenceEngine(new FakeStepExecutor(), new FakeTextTokenizer(), new EngineOptions(), meterFactory: meters);

        await engine.CollectAsync(EngineFixture.Text("abcd", new GenerationParams { MaxTokens = 3 })).WaitAsync(EngineFixture.Timeout);

        // The fake executor reports 2 ns per step.
        Assert.Equal(totals["inference:steps_total"] * 2e-9, totals["inference:worker_step_seconds_total"], 15);
    }

    /// <summary>
    /// Sums each instrument of <paramref name="meters"/> into totals by name: long counters by value, double
    /// measurements by <paramref name="histogramValue"/> (1 counts them, the value sums them), int gauges as last seen.
    /// </summary>
    private static MeterListener Listen(TestMeterFactory meters, ConcurrentDictionary<string, double> totals, Func<double, double> histogramValue)
    {
        var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, value, _, _) => totals.AddOrUpdate(i.Name, value, (_, old) => old + value));
        listener.SetMeasurementEventCallback<double>((i, value, _, _) =>
            totals.AddOrUpdate(i.Name, histogramValue(value), (_, old) => old + histogramValue(value)));
        listener.SetMeasurementEventCallback<int>((i, value, _, _) => totals[i.Name] = value);
        listener.Start();
        return listener;
    }
}
