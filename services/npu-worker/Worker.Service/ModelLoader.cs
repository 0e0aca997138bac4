using Inference.Abstractions.Execution;
using Microsoft.Extensions.Options;
using Worker.Runtime;
using Worker.Runtime.Embeddings;
using Worker.Runtime.Models;
using Worker.Runtime.Kv;
using Worker.Runtime.Ops.Quantization;

namespace Worker.Service;

/// <summary>Loads the model and its LoRA adapters in the background (the gRPC port answers Health meanwhile), runs a warm-up step, then marks ready.</summary>
public sealed partial class ModelLoader(
    ModelHost host, IOptions<WorkerOptions> options, ILoggerFactory loggerFactory, IHostApplicationLifetime lifetime, ILogger<ModelLoader> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(async () =>
    {
        var o = options.Value;
        try
        {
            LogLoading(logger, o.ModelPath);
            var progress = new WeightLoadProgressLog(percent => LogProgress(logger, percent));
            var runner = ModelRunner.Load(o.ModelPath, ToRunnerOptions(o), loggerFactory, progress);
            await WarmUp(runner, stoppingToken);
            host.SetReady(runner);
            LogReady(logger, runner.Info.ModelName, runner.Info.NumBlocks);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogLoadFailed(logger, e, o.ModelPath);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }, stoppingToken);

    /// <summary>The name the options give the model: Worker:ServedModelName, else the host folder's last segment; null: the model folder's.</summary>
    public static string? ServedModelNameOf(WorkerOptions o) => o.ServedModelName ?? (o.HostModelPath is { } host ? FolderName.Of(host) : null);

    public static ModelRunnerOptions ToRunnerOptions(WorkerOptions o) => new()
    {
        BlockSize = o.BlockSize,
        NumBlocks = o.NumBlocks,
        KvCacheBytes = (long)o.KvCacheMiB << 20,
        MaxModelLength = o.MaxModelLength,
        Threads = o.Threads,
        MaxPromptLogprobRows = o.MaxPromptLogprobRows,
        Device = o.Device,
        ServedModelName = ServedModelNameOf(o),
        Quantization = WeightQuantizationNames.TryParse(o.Quantization, out var quantization) ? quantization : WeightQuantization.None,
        KvCacheDType = KvCacheDTypeNames.TryParse(o.KvCacheDtype, out var kvCacheDType) ? kvCacheDType : KvCacheDType.Float32,
        // Checked by the options validator; empty (compose's unset variable) is unset.
        PoolerConfig = string.IsNullOrWhiteSpace(o.PoolerConfig) ? null : PoolerOverride.Parse(o.PoolerConfig),
        HfOverrides = string.IsNullOrWhiteSpace(o.HfOverrides) ? null : HfOverrides.Parse(o.HfOverrides),
        LoraModules = LoraModulesOption.Parse(o.LoraModules).Modules,    // loaded right after the model, each logged
    };

    /// <summary>
    /// One-token prefill and sample on block 0 (a classifier, which samples nothing, pools it instead), then the request
    /// is freed: proves the whole path works.
    /// </summary>
    private static async Task WarmUp(ModelRunner runner, CancellationToken cancellationToken)
    {
        var pooling = runner.Info.Classifier is null ? null : new PoolingParams(Normalize: false);
        var request = new NewRequestData("warmup", [0], 1, SamplingParams.Greedy, [0], 0, 1, pooling);
        await runner.ExecuteAsync(new StepPlan(-2, [request], [], []), cancellationToken);
        await runner.ExecuteAsync(new StepPlan(-1, [], [], ["warmup"]), cancellationToken);
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Loading model from {ModelPath}")]
    private static partial void LogLoading(ILogger logger, string modelPath);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Loading weights: {Percent}%")]
    private static partial void LogProgress(ILogger logger, int percent);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Worker ready: model {ModelName}, {NumBlocks} KV blocks, warm-up step done")]
    private static partial void LogReady(ILogger logger, string modelName, int numBlocks);

    [LoggerMessage(EventId = 13, Level = LogLevel.Critical, Message = "Loading the model from {ModelPath} failed; stopping")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, string modelPath);
}
