using Inference.Cli.Benchmarks;
using Inference.Cli.CommandLine;
using Inference.Cli.Gguf;
using Inference.Cli.LlamaCpp;
using Inference.Hub;
using Worker.Runtime;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Ops;
using Worker.Runtime.Ops.Quantization;

namespace Inference.Cli.Commands;

/// <summary>
/// `bench`: our engine and llama.cpp side by side on one checkpoint, in one run, against the machine's measured
/// limits. Ours runs the checkpoint as it is (in process, and end to end through `serve`); llama.cpp runs the GGUF
/// that <see cref="HfToGgufConverter"/> writes from it (F16) and the Q8_0 that llama.cpp's quantizer makes of that.
/// Progress goes to stderr, the table to stdout, and --json FILE gets one object per engine and format.
/// </summary>
public static class BenchCommand
{
    private const int ConcurrentSequences = 16;

    public static async Task<int> RunAsync(CommandArguments args, CancellationToken cancellationToken)
    {
        var model = args.String("model");
        var preset = args.String("preset");
        bool quick = args.Flag("quick");
        var promptTokens = args.Int("prompt-tokens", 1, 8192) ?? (quick ? 32 : 128);
        var steps = args.Int("steps", 1, 8192) ?? (quick ? 8 : 32);
        var threads = args.Int("threads", 1, 1024) ?? Environment.ProcessorCount;
        var repeat = args.Int("repeat", 1, 100) ?? 1;
        bool noServe = args.Flag("no-serve");
        var only = args.String("only");
        var json = args.String("json");
        var workspace = new BenchWorkspace(args.String("work-dir") ?? BenchWorkspace.DefaultRoot());
        args.EnsureAllRead();
        if (model is not null && preset is not null)
            throw new UsageException("--preset makes a random checkpoint; it cannot be combined with --model");
        if (only is not null && only != "e2e")
            throw new UsageException($"--only takes e2e (ours in process and end to end, without Q8_0 or llama.cpp), got '{only}'");
        if (only is not null && noServe)
            throw new UsageException("--only e2e measures the end-to-end run that --no-serve leaves out; use one of them");
        preset ??= quick ? "small" : "qwen2.5-0.5b";
        if (!Testing.Checkpoints.RandomModelSpec.PresetNames.Contains(preset))
            throw new UsageException($"--preset must be one of {string.Join(", ", Testing.Checkpoints.RandomModelSpec.PresetNames)}, got '{preset}'");

        var shape = new BenchShape(promptTokens, steps, ConcurrentSequences, repeat);
        static void Progress(string message) => Console.Error.WriteLine($"[bench] {message}");

        string directory;
        try
        {
            directory = model is null
                ? workspace.RandomCheckpoint(preset, Progress)
                : (await ModelLocator.ResolveAsync(model, HubOptions.FromEnvironment(), new TextDownloadProgress(Console.Error), cancellationToken)).Directory;
        }
        catch (HubException e)
        {
            Console.Error.WriteLine($"error: --model: {e.Message}");
            return 1;
        }

        var config = HfModelConfig.Load(directory);
        var cost = ModelCost.From(config);
        Progress($"machine limits: read bandwidth over {MemoryBandwidthProbe.DefaultBufferBytes() >> 20} MiB, fp32 FMA peak ({threads} threads)");
        // One buffer for every bandwidth window of the run, taken before the engines load: later, with gigabytes of
        // weights resident, the kernel may no longer find free 2 MiB pages for it.
        using var probe = new MemoryBandwidthProbe(MemoryBandwidthProbe.DefaultBufferBytes(), threads);
        var machine = MachineLimits.Measure(threads, probe);
        var bandwidthBesideRounds = new List<ReadBandwidth>();

        string ourFormat = CheckpointFormat(directory);
        string ourIsa = $"kernels {CpuIsaSelection.Name(CpuIsaSelection.Selected)} (.NET accelerates {CpuDescription.RuntimeVectorPaths()})";
        var ggufs = only is null
            ? new[] { "f16", "q8_0" }.Select(format => (Format: format, Path: EnsureGguf(workspace, directory, format, threads, Progress))).ToArray()
            : [];

        // Every engine is loaded before the first round, so their rounds can take turns (ThroughputProtocol).
        var engines = new List<(string Name, IRoundRunner Engine)>();
        var loaded = new List<IDisposable>();
        var results = new List<BenchResult>();
        try
        {
            Progress($"ours ({ourFormat}): {Path.GetFullPath(directory)}");
            var ours = LoadOurs(directory, shape, threads, WeightQuantization.None, loaded);
            engines.Add(($"ours {ourFormat}", ours));
            if (only is null)
            {
                Progress("ours (q8_0, quantized at load)");
                engines.Add(("ours q8_0", LoadOurs(directory, shape, threads, WeightQuantization.Q8_0, loaded)));
                foreach (var (format, gguf) in ggufs)
                {
                    Progress($"llama.cpp ({format}): {gguf}");
                    engines.Add(($"llama.cpp {format}", LoadLlamaCpp(gguf, shape, threads, loaded)));
                }
            }

            var throughputs = ThroughputProtocol.RunInterleaved(engines, shape, Progress, () =>
            {
                var window = probe.MeasureWindow();
                bandwidthBesideRounds.Add(window);
                return window;
            });

            Progress(FormattableString.Invariant(
                $"read bandwidth beside the 1-sequence rounds: {string.Join(", ", bandwidthBesideRounds.Select(b => $"{b.BytesPerSecond / 1e9:F1} ({b.Pattern})"))} GB/s (at the start: {machine.ReadBytesPerSecond / 1e9:F1} ({machine.Bandwidth.Pattern}); the best of {string.Join(", ", MemoryBandwidthProbe.Patterns)} streams per thread, in parentheses the pattern that read it; {(machine.Bandwidth.HugePages ? "2 MiB" : "4 KiB")} pages)"));

            // The other engines' memory and threads go before the services start; ours stays for the rounds between.
            foreach (var engine in loaded.Skip(1))
            {
                engine.Dispose();
            }

            loaded.RemoveRange(1, loaded.Count - 1);
            var (e2e, e2eInProcess) = noServe ? (null, null) : await MeasureEndToEndAsync(directory, config.VocabSize, threads, shape, ours, cancellationToken);
            results.Add(BenchResult.From("ours", ourFormat, throughputs[0], e2e, e2eInProcess, cost, shape, machine, ourIsa));
            if (only is not null)
            {
                return await ReportAsync(directory, config, ourFormat, machine, shape, results, json, cancellationToken);
            }

            results.Add(BenchResult.From("ours", "q8_0", throughputs[1], null, null, cost, shape, machine, ourIsa));
            string llamaIsa = $"{LlamaCppRuntime.SystemInfo()} {LlamaCppRuntime.LoadedLibrary()}";
            for (int i = 0; i < ggufs.Length; i++)
            {
                results.Add(BenchResult.From("llama.cpp", ggufs[i].Format, throughputs[2 + i], null, null, cost, shape, machine, llamaIsa));
            }
        }
        finally
        {
            foreach (var engine in loaded)
            {
                engine.Dispose();
            }
        }

        Progress("machine limits again (the best read-bandwidth window of the run counts: start, around each round of 1-sequence turns, end)");
        machine = MachineLimits.Best(machine, MachineLimits.Measure(threads, probe));
        foreach (var measured in bandwidthBesideRounds)
        {
            machine = machine.WithBandwidth(measured);
        }

        results = results.Select(r => r.AgainstLimits(machine)).ToList();
        return await ReportAsync(directory, config, ourFormat, machine, shape, results, json, cancellationToken);
    }

    private static async Task<int> ReportAsync(string directory, HfModelConfig config, string ourFormat, MachineLimits machine, BenchShape shape,
        List<BenchResult> results, string? json, CancellationToken cancellationToken)
    {
        static void Progress(string message) => Console.Error.WriteLine($"[bench] {message}");
        Console.Out.WriteLine($"model      {Path.GetFullPath(directory)} ({config.Architecture}, {ourFormat})");
        Console.Out.Write(BenchReport.Format(machine, shape, results));
        if (json is not null)
        {
            await File.WriteAllTextAsync(json, BenchJson.Serialize(machine, shape, Path.GetFullPath(directory), results), cancellationToken);
            Progress($"wrote {json}");
        }

        return 0;
    }

    private static IRoundRunner LoadOurs(string directory, BenchShape shape, int threads, WeightQuantization quantization, List<IDisposable> loaded)
    {
        const int blockSize = 16;
        int blocksPerRequest = ModelRunnerRounds.BlocksPerRequest(shape.PromptTokens, shape.DecodeSteps, blockSize);
        var runner = ModelRunner.Load(directory, new ModelRunnerOptions
        {
            BlockSize = blockSize,
            NumBlocks = blocksPerRequest * shape.ConcurrentSequences,
            Threads = threads,
            Quantization = quantization,
        });
        loaded.Add(runner);
        return new ModelRunnerRounds(runner, blocksPerRequest);
    }

    private static IRoundRunner LoadLlamaCpp(string gguf, BenchShape shape, int threads, List<IDisposable> loaded)
    {
        var session = LlamaCppSession.Load(gguf, threads, shape.ConcurrentSequences,
            shape.PromptTokens + shape.DecodeSteps + 1, shape.ConcurrentSequences * shape.PromptTokens);
        loaded.Add(session);
        return new LlamaCppRounds(session);
    }

    /// <summary>
    /// Rounds of concurrent streams through `serve`, each followed by an in-process round of the same 16 sequences,
    /// so the end-to-end figure is set against the engine's own rate in the same minutes.
    /// </summary>
    /// <returns>The fastest end-to-end round and the fastest in-process round beside them (tokens/s).</returns>
    private static async Task<(double? EndToEnd, double? InProcess)> MeasureEndToEndAsync(string directory, int vocabSize, int threads, BenchShape shape,
        IRoundRunner ours, CancellationToken cancellationToken)
    {
        static void Progress(string message) => Console.Error.WriteLine($"[bench] {message}");
        Progress("ours end to end through serve, each round followed by an in-process round of 16 sequences");
        await using var serve = await ServeBench.StartAsync(directory, vocabSize, threads, shape, Progress, cancellationToken);
        double endToEnd = 0, inProcess = 0;
        for (int round = 0; round < shape.Repeat; round++)
        {
            endToEnd = Math.Max(endToEnd, await serve.RoundAsync(cancellationToken));
            double rate = ThroughputProtocol.ConcurrentDecodeRound(ours, shape);
            Progress(FormattableString.Invariant($"  in process: {rate:F1} tok/s"));
            inProcess = Math.Max(inProcess, rate);
        }

        return (endToEnd, inProcess);
    }

    private static string EnsureGguf(BenchWorkspace workspace, string directory, string format, int threads, Action<string> progress)
    {
        var (path, stale) = workspace.Gguf(directory, format);
        if (stale)
        {
            progress($"writing {path}");
            if (format == "q8_0" && workspace.Gguf(directory, "f16") is { Stale: false } f16)
            {
                LlamaCppQuantizer.ToQ8_0(f16.Path, path, threads);
            }
            else
            {
                ConvertGgufCommand.Convert(directory, path, format, threads);
            }
        }

        return path;
    }

    /// <summary>The weight format our engine runs: the element type of the checkpoint's embedding.</summary>
    private static string CheckpointFormat(string directory)
    {
        using var tensors = SafetensorsTensors.Open(directory);
        var dtype = tensors.Tensors.TryGetValue("model.embed_tokens.weight", out var embedding) ? embedding.DType : tensors.Tensors.Values.First().DType;
        return dtype switch
        {
            TensorDType.BF16 => "bf16",
            TensorDType.F16 => "f16",
            _ => "f32",
        };
    }
}
