using Inference.Cli.CommandLine;
using Inference.Cli.Serving;
using Inference.Abstractions.Text;
using Inference.Hub;
using Inference.Testing.Checkpoints;
using Worker.Runtime.Kv;
using Worker.Runtime.Ops.Quantization;

namespace Inference.Cli.Commands;

/// <summary>`serve`: the whole system as local processes (no Docker) until SIGINT or SIGTERM.</summary>
public static class ServeCommand
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    public static async Task<int> RunAsync(CommandArguments args, CancellationToken cancellationToken)
    {
        var model = args.String("model");
        var port = args.Int("port", 0, 65535) ?? 8000; // 0: any free port, printed in the ready line
        var kvCacheMiB = args.Int("kv-cache-mib", 1);
        var workers = args.Int("workers", 1) ?? 1;
        var threadsPerWorker = args.Int("threads-per-worker", 1);
        var maxConcurrentRequests = args.Int("max-concurrent-requests", 1);
        var servedModelName = args.String("served-model-name");
        var quantization = WorkerChoiceArguments.Quantization(args);
        var kvCacheDType = WorkerChoiceArguments.KvCacheDType(args);
        var reasoningParser = args.String("reasoning-parser");
        var apiKey = args.String("api-key");
        var maxModelLength = args.Int("max-model-len", 2);
        var maxNumSeqs = args.Int("max-num-seqs", 1);
        var maxNumBatchedTokens = args.Int("max-num-batched-tokens", 1);
        bool enablePrefixCaching = args.Flag("enable-prefix-caching"), noPrefixCaching = args.Flag("no-enable-prefix-caching");
        var chatTemplate = ChatTemplateArgument.Read(args);
        var trustRequestChatTemplate = args.Flag("trust-request-chat-template");
        var host = args.String("host") ?? "127.0.0.1";
        // vLLM's tool-calling flags, so its documented command lines run here: tool calls are parsed Hermes-style (the
        // Qwen models' format) whenever a request offers tools with tool_choice auto, which needs no switch here.
        args.Flag("enable-auto-tool-choice");
        // No code from the model folder is ever run (the architectures are built in): nothing for the permission to allow.
        args.Flag("trust-remote-code");
        var blockSize = args.Int("block-size", 1, 1024);
        // vLLM asks for --enable-lora beside --lora-modules; here the adapters listed are what enables LoRA.
        args.Flag("enable-lora");
        var loraEntries = args.Strings("lora-modules");
        var maxLoraRank = args.Int("max-lora-rank", 1);
        var maxLoras = args.Int("max-loras", 1);
        var speculativeConfig = SpeculativeConfigArgument.Read(args)?.Json;
        var poolerConfig = PoolerConfigArgument.Read(args)?.Json;
        var hfOverrides = HfOverridesArgument.Read(args)?.Json;
        var enablePromptEmbeds = args.Flag("enable-prompt-embeds");
        bool? logStats = args.Flag("disable-log-stats") ? false : null;
        if (args.Int("tensor-parallel-size") is { } tensorParallel && tensorParallel != 1)
            throw new UsageException($"--tensor-parallel-size: each npu-worker runs the whole model on one device, so only 1; --workers N runs N replicas, got {tensorParallel}");
        if (args.String("gpu-memory-utilization") is not null)
            throw new UsageException("--gpu-memory-utilization: there is no accelerator memory to share here; size each worker's KV cache with --kv-cache-mib N");
        if (args.String("tool-call-parser") is { } parser && parser != "hermes")
            throw new UsageException($"--tool-call-parser: only hermes (the Qwen models' <tool_call> format) is supported, got '{parser}'");
        args.EnsureAllRead();
        if (enablePrefixCaching && noPrefixCaching)
            throw new UsageException("--enable-prefix-caching and --no-enable-prefix-caching contradict each other");
        if (host != "localhost" && !System.Net.IPAddress.TryParse(host, out _))
            throw new UsageException($"--host must be an IP address (0.0.0.0 for every interface) or localhost, got '{host}'");
        if (apiKey is not null && string.IsNullOrWhiteSpace(apiKey))
            throw new UsageException("--api-key must not be empty");
        if (servedModelName is { } name && string.IsNullOrWhiteSpace(name))
            throw new UsageException("--served-model-name must not be empty");
        if (reasoningParser is not null && !ReasoningParserNames.IsKnown(reasoningParser))
            throw new UsageException($"--reasoning-parser must be one of {string.Join(", ", ReasoningParserNames.All)}, got '{reasoningParser}'");

        if (!FreePort.IsAvailable(port))
            throw new UsageException($"--port {port}: 127.0.0.1:{port} is already in use (another server running?)");
        ResolvedModel resolved;
        try
        {
            // A folder as it is, or a Hugging Face repository id from the hub cache (downloaded into it if missing).
            resolved = await ModelLocator.ResolveAsync(model ?? EnsureDefaultModel(), HubOptions.FromEnvironment(),
                new TextDownloadProgress(Console.Error), cancellationToken);
        }
        catch (HubException e)
        {
            Console.Error.WriteLine($"error: --model: {e.Message}");
            return 1;
        }
        model = resolved.Directory;
        if (!File.Exists(model) && !File.Exists(Path.Combine(model, "config.json")))
            throw new UsageException($"--model: {model} has no config.json (expected a Hugging Face model folder or a .gguf file)");

        servedModelName ??= resolved.DefaultServedName;
        var loraModules = LoraModulesArgument.Parse(loraEntries, servedModelName, maxLoraRank);
        var options = new ServeOptions(model, port, kvCacheMiB, workers, threadsPerWorker, maxConcurrentRequests,
            WeightQuantizationNames.Name(quantization), reasoningParser, apiKey, maxModelLength, maxNumSeqs, maxNumBatchedTokens,
            noPrefixCaching ? false : enablePrefixCaching ? true : null, chatTemplate,
            host == "localhost" ? "127.0.0.1" : host, blockSize, logStats, trustRequestChatTemplate, loraModules, maxLoraRank, maxLoras, speculativeConfig, poolerConfig, hfOverrides, enablePromptEmbeds,
            KvCacheDTypeNames.Name(kvCacheDType));
        var log = TextWriter.Synchronized(Console.Error);
        log.WriteLine($"[serve] {workers} npu-worker(s), {options.EffectiveThreadsPerWorker} compute thread(s) each");
        LocalCluster cluster;
        try
        {
            cluster = await LocalCluster.StartAsync(options, servedModelName, ServiceBinaries.FromBuild(),
                log, PrintWorker, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            log.WriteLine($"error: {e.Message}");
            return 1;
        }
        await using var stopServices = cluster;
        try
        {
            await cluster.WaitUntilReadyAsync(StartTimeout, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            log.WriteLine($"error: {e.Message}");
            return 1;
        }

        // The ready line: printed only here, after the gateway's /health answered 200.
        var modelName = await cluster.ModelNameAsync(cancellationToken);
        Console.Out.WriteLine($"serving {modelName} from {Path.GetFullPath(model)}");
        Console.Out.WriteLine($"OpenAI API: {cluster.ApiBase}  (gRPC generation front door: {options.ClientUrlHost}:{cluster.GrpcPort})"
            + (options.Host == "127.0.0.1" ? "" : $"; listening on {options.UrlHost}"));
        Console.Out.WriteLine("press Ctrl+C to stop");
        Console.Out.Flush();

        try
        {
            // The supervisors restart whatever exits; serve itself runs until SIGINT or SIGTERM.
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        log.WriteLine("stopping services");
        return 0;
    }

    /// <summary>One stdout line per worker process once it listens, at start and after every restart: how to find its pid.</summary>
    private static void PrintWorker(int index, string address, ServiceProcess process)
    {
        Console.Out.WriteLine($"worker {index}: pid {process.Id}, {address}");
        Console.Out.Flush();
    }

    /// <summary>The tiny random checkpoint (seed 0), generated once into the user's cache folder.</summary>
    private static string EnsureDefaultModel()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var directory = Path.Combine(cache, "dotnet-llm-serving", "models", "qwen2-tiny-random-seed0");
        if (File.Exists(Path.Combine(directory, "model.safetensors")) && File.Exists(Path.Combine(directory, "tokenizer.json")))
            return directory;

        Console.Error.WriteLine($"no --model given: generating the tiny random checkpoint into {directory}");
        var staging = directory + ".partial";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        using var progress = new ConsoleProgress("make-model");
        RandomCheckpointWriter.Write(staging, RandomModelSpec.FromPreset("tiny", 0), progress);
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.Move(staging, directory);
        return directory;
    }
}
