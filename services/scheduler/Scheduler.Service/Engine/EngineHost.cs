using System.Diagnostics.Metrics;
using Inference.Abstractions.Execution;
using Microsoft.Extensions.Options;
using Scheduler.Core;
using Scheduler.Service.Adapters;
using Scheduler.Service.Configuration;
using Scheduler.Service.Workers;

namespace Scheduler.Service.Engine;

/// <summary>
/// Starts the engine once a worker is known and answers Info, and checks that the tokenizer answers.
/// Skeleton scope: one engine over the first worker that answers; a pool per worker comes later.
/// </summary>
public sealed partial class EngineHost(
    WorkerDirectory registry,
    GrpcTextTokenizer tokenizer,
    IOptions<SchedulerOptions> options,
    ILoggerFactory loggerFactory,
    IMeterFactory meterFactory,
    ILogger<EngineHost> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);
    private InferenceEngine? _engine;
    private volatile bool _tokenizerReady;

    /// <summary>The serving engine, or null while no worker is known.</summary>
    public InferenceEngine? Engine => Volatile.Read(ref _engine);

    public bool TokenizerReady => _tokenizerReady;

    public string? ServingWorkerId { get; private set; }

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
        foreach (var address in options.Value.WorkerAddresses)
        {
            registry.Register(new Uri(address), device: "", numBlocks: 0);
        }

        await Task.WhenAll(WaitForTokenizerAsync(stoppingToken), StartEngineAsync(stoppingToken));
    }

    private async Task WaitForTokenizerAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var info = await tokenizer.GetInfoAsync(CallTimeout, stoppingToken);
                _tokenizerReady = true;
                LogTokenizerReady(info.VocabSize);
                return;
            }
            catch (Grpc.Core.RpcException ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogTokenizerUnavailable(options.Value.TokenizerAddress, ex.Status.Detail);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    private async Task StartEngineAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var worker in registry.Workers)
            {
                try
                {
                    var executor = await GrpcStepExecutor.ConnectAsync(worker.Channel, CallTimeout, stoppingToken);
                    var engine = new InferenceEngine(executor, tokenizer, options.Value.ToEngineOptions(), loggerFactory, meterFactory);
                    ServingWorkerId = worker.WorkerId;
                    Volatile.Write(ref _engine, engine);
                    LogServing(worker.WorkerId, worker.Address.ToString(), engine.ServedModelName, engine.MaxModelLength,
                        executor.Info.NumBlocks, executor.Info.BlockSize);
                    return;
                }
                catch (ExecutorFaultException ex)
                {
                    LogWorkerUnavailable(worker.WorkerId, worker.Address.ToString(), ex.Message);
                }
            }

            await registry.WaitForChangeAsync(RetryDelay, stoppingToken);
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Tokenizer ready (vocabulary {VocabSize})")]
    private partial void LogTokenizerReady(int vocabSize);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Tokenizer at {Address} not reachable yet: {Detail}")]
    private partial void LogTokenizerUnavailable(string address, string detail);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information,
        Message = "Serving {ModelName} from {WorkerId} at {Address}: max model length {MaxModelLength}, {NumBlocks} KV blocks of {BlockSize} tokens")]
    private partial void LogServing(string workerId, string address, string modelName, int maxModelLength, int numBlocks, int blockSize);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Worker {WorkerId} at {Address} not usable yet: {Reason}")]
    private partial void LogWorkerUnavailable(string workerId, string address, string reason);
}
