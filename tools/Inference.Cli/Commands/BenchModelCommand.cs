using System.Diagnostics;
using System.Globalization;
using Inference.Cli.Benchmarks;
using Inference.Cli.CommandLine;
using Inference.Abstractions.Execution;
using Inference.Grammar;
using Worker.Runtime;
using Worker.Runtime.Ops;

namespace Inference.Cli.Commands;

/// <summary>
/// `bench-model --model DIR [--prompt-tokens 128] [--decode-tokens 32] [--batch 1,16] [--threads N] [--repeat 1] [--quantization none|q8_0] [--kv-cache-dtype auto|bfloat16]
/// [--json-schema JSON | --regex PATTERN | --choice TEXT...] [--profile]`: forward-pass throughput of the in-process model runner, driven with hand-built step plans
/// (no scheduler, no tokenizer). For each batch size B: B requests with deterministic pseudo-random prompts are
/// prefilled in one step, then decoded greedily one token per request per step, measured as `bench` measures
/// (<see cref="ThroughputProtocol"/>: a short untimed round first, then the fastest of --repeat rounds). With a
/// structured output, each batch size runs again with every sequence constrained by it, on the next line. With
/// --profile, each batch size then runs --repeat decode rounds with every op timed (<see cref="StepProfile"/>).
/// </summary>
public static class BenchModelCommand
{
    public static int Run(CommandArguments args)
    {
        var model = args.RequiredString("model");
        var promptTokens = args.Int("prompt-tokens", 1, 1 << 20) ?? 128;
        var decodeTokens = args.Int("decode-tokens", 0, 1 << 20) ?? 32;
        var batchSizes = ParseBatchSizes(args.String("batch") ?? "1,16");
        var threads = args.Int("threads", 1, 1024) ?? Environment.ProcessorCount;
        var repeat = args.Int("repeat", 1, 1000) ?? 1;
        var quantization = WorkerChoiceArguments.Quantization(args);
        var kvCacheDType = WorkerChoiceArguments.KvCacheDType(args);
        var constraint = StructuredOutputArguments.Read(args);
        var loraPath = LoraArgument.ReadPath(args);
        bool profile = args.Flag("profile");
        args.EnsureAllRead();
        if (profile && decodeTokens == 0)
            throw new UsageException("--profile times decode steps; --decode-tokens must be at least 1");
        if (constraint is not null)
        {
            try
            {
                StructuredOutputSpecs.Validate(constraint, "structured output");
            }
            catch (GenerationValidationException e)
            {
                throw new UsageException(e.Message);
            }
        }

        if (ModelArgument.ResolveAsync(model, CancellationToken.None).GetAwaiter().GetResult() is not { } modelDirectory)
            return 1;
        var lora = LoraArgument.Resolve(loraPath, modelDirectory);

        // Each request owns a contiguous block range big enough for its prompt, every decoded token and the
        // token sampled last (its KV is never written, but it keeps the arithmetic simple).
        const int blockSize = 16;
        int blocksPerRequest = ModelRunnerRounds.BlocksPerRequest(promptTokens, decodeTokens, blockSize);
        long numBlocks = (long)blocksPerRequest * batchSizes.Max();
        if (numBlocks > int.MaxValue)
            throw new UsageException($"--batch x (--prompt-tokens + --decode-tokens) needs {numBlocks} KV blocks, more than {int.MaxValue}");
        var options = new ModelRunnerOptions
        {
            BlockSize = blockSize,
            NumBlocks = (int)numBlocks,
            Threads = threads,
            Quantization = quantization,
            KvCacheDType = kvCacheDType,
            LoraModules = lora is null ? [] : [lora],
            OpTimings = profile ? new OpTimings() : null,
        };

        var loadStarted = Stopwatch.GetTimestamp();
        using var runner = Load(modelDirectory, options);
        var loadSeconds = Stopwatch.GetElapsedTime(loadStarted).TotalSeconds;
        if (promptTokens + decodeTokens + 1 > runner.Info.MaxModelLength)
            throw new UsageException($"--prompt-tokens + --decode-tokens must be below the model's max length {runner.Info.MaxModelLength}, got {promptTokens} + {decodeTokens}");

        Console.WriteLine($"model      {Path.GetFullPath(modelDirectory)} ({runner.Info.Architecture}, vocab {runner.Info.VocabSize}), loaded in {loadSeconds:F1} s");
        Console.WriteLine($"weights    {runner.WeightType}, {runner.WeightBytes / (1024.0 * 1024.0):F1} MiB of matrices; kernels {CpuIsaSelection.Name(CpuIsaSelection.Selected)}; KV cache {(kvCacheDType == Worker.Runtime.Kv.KvCacheDType.BFloat16 ? "bfloat16" : "float32")}");
        Console.WriteLine($"run        {threads} threads, {promptTokens}-token prompts, {decodeTokens} decode steps, greedy; KV {options.NumBlocks} blocks x {blockSize}");
        if (repeat > 1)
            Console.WriteLine($"           fastest of {repeat} timed rounds per batch size (prefill and decode each)");
        Console.WriteLine();
        if (constraint is not null)
            Console.WriteLine($"           'constrained' rows: every sequence under {Describe(constraint)}; 'sample ms' includes the grammar masks");
        if (lora is not null)
            Console.WriteLine($"           'lora' rows: every sequence with the LoRA adapter {lora.Path}, measured right after the 'free' row");
        Console.WriteLine();
        Console.WriteLine($"{"batch",5} {"output",-12} {"prefill tok/s",14} {"prefill s",10} {"decode tok/s",13} {"ms/step",9} {"sample ms",10} {"decode s",9}");

        var free = new ModelRunnerRounds(runner, blocksPerRequest);
        var constrained = constraint is null ? null : new ModelRunnerRounds(runner, blocksPerRequest, SamplingParams.Greedy with { StructuredOutput = constraint });
        var adapted = lora is null ? null : new ModelRunnerRounds(runner, blocksPerRequest, loraName: lora.Name);
        foreach (int batch in batchSizes)
        {
            WriteRow(batch, "free", ThroughputProtocol.Measure(free, batch, promptTokens, decodeTokens, repeat), promptTokens, decodeTokens);
            if (constrained is not null)
                WriteRow(batch, "constrained", ThroughputProtocol.Measure(constrained, batch, promptTokens, decodeTokens, repeat), promptTokens, decodeTokens);
            if (adapted is not null)
                WriteRow(batch, "lora", ThroughputProtocol.Measure(adapted, batch, promptTokens, decodeTokens, repeat), promptTokens, decodeTokens);
        }

        if (options.OpTimings is { } timings)
            Profile(runner, timings, blocksPerRequest, batchSizes, promptTokens, decodeTokens, threads, repeat);
        return 0;
    }

    /// <summary>
    /// For each batch size, --repeat decode rounds with every op timed, each right after a read-bandwidth window:
    /// one line per round, then where the fastest round's step went, op by op.
    /// </summary>
    private static void Profile(ModelRunner runner, OpTimings timings, int blocksPerRequest, int[] batchSizes, int promptTokens, int decodeTokens, int threads, int repeat)
    {
        Console.WriteLine();
        Console.WriteLine($"profile    {repeat} decode round(s) of {decodeTokens} steps per batch size, each right after a read-bandwidth window (the best of {string.Join(", ", MemoryBandwidthProbe.Patterns)} streams a thread); per step:");
        using var probe = new MemoryBandwidthProbe(MemoryBandwidthProbe.DefaultBufferBytes(), threads);
        var rounds = new ModelRunnerRounds(runner, blocksPerRequest, decodeTimings: timings);
        foreach (int batch in batchSizes)
        {
            StepProfile? fastest = null;
            for (int round = 0; round < repeat; round++)
            {
                var window = probe.MeasureWindow();
                timings.Reset();
                var times = rounds.Round(batch, promptTokens, decodeTokens);
                var profile = new StepProfile(decodeTokens, window.BytesPerSecond, times, timings.Snapshot());
                Console.WriteLine($"batch {batch,3}  {profile.Summary()}");
                if (fastest is null || profile.StepSeconds < fastest.StepSeconds)
                    fastest = profile;
            }

            Console.WriteLine($"batch {batch,3}  the fastest round, op by op:");
            foreach (var line in fastest!.Breakdown())
                Console.WriteLine($"           {line}");
        }
    }

    private static void WriteRow(int batch, string output, RoundTimes result, int promptTokens, int decodeTokens)
    {
        double prefillRate = (double)batch * promptTokens / result.PrefillSeconds;
        double decodeRate = result.DecodeSeconds > 0 ? (double)batch * decodeTokens / result.DecodeSeconds : 0;
        double msPerStep = decodeTokens > 0 ? result.DecodeSeconds * 1000 / decodeTokens : 0;
        double sampleMsPerStep = decodeTokens > 0 ? result.DecodeSampleSeconds * 1000 / decodeTokens : 0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{batch,5} {output,-12} {prefillRate,14:F1} {result.PrefillSeconds,10:F3} {decodeRate,13:F1} {msPerStep,9:F1} {sampleMsPerStep,10:F2} {result.DecodeSeconds,9:F3}"));
    }

    private static string Describe(StructuredOutput constraint) => constraint switch
    {
        StructuredOutput.JsonSchema => "the --json-schema",
        StructuredOutput.Regex => "the --regex",
        StructuredOutput.Grammar => "the --grammar",
        _ => "the --choice list",
    };

    private static ModelRunner Load(string modelDirectory, ModelRunnerOptions options)
    {
        try
        {
            return ModelRunner.Load(modelDirectory, options);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or ArgumentException or OverflowException)
        {
            throw new UsageException($"--model: {e.Message}");
        }
    }

    private static int[] ParseBatchSizes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
            throw new UsageException("--batch needs at least one batch size, e.g. 1,16");
        return parts.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) && b is >= 1 and <= 4096
            ? b
            : throw new UsageException($"--batch: each size must be an integer in [1, 4096], got '{p}'")).ToArray();
    }
}
