using System.Diagnostics.Metrics;
using Inference.Abstractions.Generation;
using Scheduler.Core;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

/// <summary>vLLM's vllm:lora_requests_info: the adapters of running and waiting requests, in its labels.</summary>
public sealed class InferenceEngineLoraMetricsTests
{
    private const string GaugeName = "vllm:lora_requests_info";

    [Fact]
    public async Task LoraRequestsInfo_NamesTheRunningAndWaitingRequestsAdapters()
    {
        using var meters = new TestMeterFactory();
        var time = new FixedWallClock(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var executor = new FakeStepExecutor(FakeStepExecutor.DefaultInfo(loraAdapters: FakeStepExecutor.TwoAdapters), gated: true);
        await using var engine = new InferenceEngine(executor, new FakeTextTokenizer(), new EngineOptions { MaxNumSeqs = 1 },
            meterFactory: meters, timeProvider: time);
        using var stop = new CancellationTokenSource();
        var running = engine.CollectAsync(Request("sql-lora"), stop.Token);
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.NumRunning == 1);
        var waiting = engine.CollectAsync(Request("chat-lora"), stop.Token);
        var baseModel = engine.CollectAsync(Request(null), stop.Token);
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.NumWaiting == 2);

        var (value, tags) = Observe(meters) ?? throw new InvalidOperationException($"{GaugeName} reported nothing");

        Assert.Equal(1_700_000_000, value);
        Assert.Equal("sql-lora", tags["running_lora_adapters"]);
        Assert.Equal("chat-lora", tags["waiting_lora_adapters"]);
        Assert.Equal("2", tags["max_lora"]);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(running, waiting, baseModel)).WaitAsync(EngineFixture.Timeout);
    }

    [Fact]
    public async Task LoraRequestsInfo_WithoutAdapters_ReportsNothing_UntilOneIsLoaded()
    {
        using var meters = new TestMeterFactory();
        await using var engine = new InferenceEngine(new FakeStepExecutor(), new FakeTextTokenizer(), new EngineOptions(), meterFactory: meters);

        Assert.Null(Observe(meters));

        await engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", CancellationToken.None);
        Assert.Equal("1", Observe(meters)?.Tags["max_lora"]);
    }

    /// <summary>The system clock with a fixed wall-clock time: timestamps and timers run as usual.</summary>
    private sealed class FixedWallClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static GenerationRequest Request(string? loraName) =>
        EngineFixture.Text("hello", new GenerationParams { Temperature = 0, MaxTokens = 2, LoraName = loraName });

    /// <summary>The gauge's measurement; null when it reported none.</summary>
    private static (double Value, Dictionary<string, object?> Tags)? Observe(TestMeterFactory meters)
    {
        (double, Dictionary<string, object?>)? seen = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == GaugeName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
            seen = (value, tags.ToArray().ToDictionary(tag => tag.Key, tag => tag.Value)));
        listener.Start();
        listener.RecordObservableInstruments();
        return seen;
    }
}
