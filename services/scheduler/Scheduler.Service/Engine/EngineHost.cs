using System.Diagnostics.Metrics;
using Inference.Abstractions.Execution;
using Inference.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;
using Scheduler.Core;
using Scheduler.Service.Adapters;
using Scheduler.Service.Configuration;

namespace Scheduler.Service.Engine;

/// <summary>
/// Owns the engine, created when the first worker answers Info (its model fixes the served model's limits), and
/// watches the tokenizer, which every request needs: <see cref="TokenizerReady"/> is the last check's result.
/// </summary>
public sealed partial class EngineHost(
    GrpcTextTokenizer tokenizer,
    IOptions<SchedulerOptions> options,
    ILoggerFactory loggerFactory,
    IMeterFactory meterFactory,
    ILogger<EngineHost> logger) : BackgroundService
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);
    private readonly Lock _createLock = new();
    private InferenceEngine? _engine;
    private bool? _tokenizerReady;

    /// <summary>The serving engine, or null while no worker has ever answered.</summary>
    public InferenceEngine? Engine => Volatile.Read(ref _engine);

    public bool TokenizerReady => _tokenizerReady == true;

    /// <summary>What stops a request from being served end to end now; empty when one can be.</summary>
    public IReadOnlyList<string> NotReadyReasons()
    {
        var reasons = new List<string>();
        if (!TokenizerReady)
        {
            reasons.Add("tokenizer not reachable");
        }

        if (Engine is not { Snapshot.Workers.Count: > 0 })
        {
            reasons.Add("no ready worker");
        }

        return reasons;
    }

    /// <summary>The engine, created for <paramref name="model"/> when there is none yet.</summary>
    public InferenceEngine GetOrCreateEngine(ExecutorInfo model)
    {
        lock (_createLock)
        {
            if (_engine is { } engine)
            {
                return engine;
            }

            engine = new InferenceEngine(model, tokenizer, options.Value.ToEngineOptions(), loggerFactory, meterFactory);
            LogServing(engine.ServedModelName, engine.MaxModelLength, options.Value.MaxConcurrentRequests, options.Value.Placement.ToString(),
                engine.LoraAdapters.Count == 0 ? "none" : string.Join(", ", engine.LoraAdapters.Select(a => $"{a.Name} (rank {a.Rank})")));
            Volatile.Write(ref _engine, engine);
            return engine;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (Interlocked.Exchange(ref _engine, null) is { } engine)
        {
            await engine.DisposeAsync();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.WorkerHealthIntervalSeconds);
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                await CheckTokenizerAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (Exception e) when (e.IsStopping(stoppingToken))
        {
        }
    }

    private async Task CheckTokenizerAsync(CancellationToken stoppingToken)
    {
        try
        {
            var info = await tokenizer.GetInfoAsync(CallTimeout, stoppingToken);
            if (_tokenizerReady != true)
            {
                LogTokenizerReady(info.VocabSize);
            }

            _tokenizerReady = true;
        }
        catch (Grpc.Core.RpcException ex) when (!stoppingToken.IsCancellationRequested)
        {
            if (_tokenizerReady == true)
            {
                LogTokenizerLost(options.Value.TokenizerAddress, HealthCallFailure.Describe(ex, CallTimeout));
            }
            else if (_tokenizerReady is null)
            {
                LogTokenizerNotYetReachable(options.Value.TokenizerAddress, HealthCallFailure.Describe(ex, CallTimeout));
            }

            _tokenizerReady = false;
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Tokenizer ready (vocabulary {VocabSize})")]
    private partial void LogTokenizerReady(int vocabSize);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Tokenizer at {Address} not reachable yet: {Detail}")]
    private partial void LogTokenizerNotYetReachable(string address, string detail);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Tokenizer at {Address} stopped answering: {Detail}")]
    private partial void LogTokenizerLost(string address, string detail);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information,
        Message = "Serving {ModelName}: max model length {MaxModelLength}, at most {MaxConcurrentRequests} concurrent requests, {Placement} placement, LoRA adapters {LoraAdapters}")]
    private partial void LogServing(string modelName, int maxModelLength, int maxConcurrentRequests, string placement, string loraAdapters);
}
