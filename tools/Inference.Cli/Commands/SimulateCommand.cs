using System.Globalization;
using Inference.Cli.CommandLine;
using Inference.Cli.Simulation;
using Scheduler.Core.Fleet;

namespace Inference.Cli.Commands;

/// <summary>
/// `simulate`: replays a synthetic workload through the real scheduler core over N simulated workers on a virtual
/// clock, once per placement policy, and prints throughput, latencies, prefix-cache hits and per-worker load;
/// for planning a fleet without the machines. Flags and defaults are in <see cref="Usage"/>.
/// </summary>
public static class SimulateCommand
{
    private const double DefaultArrivalRatePerWorker = 0.1;

    public static int Run(CommandArguments args, CancellationToken cancellationToken)
    {
        var workers = args.Int("workers", 1, 4096) ?? 8;
        var requests = args.Int("requests", 1, 10_000_000) ?? 10_000;
        var policyText = args.String("policy") ?? "all";
        var jsonPath = args.String("json");
        var arrivalRate = args.Double("arrival-rate", 0) ?? DefaultArrivalRatePerWorker * workers;
        var promptTokens = args.Double("prompt-tokens", 1, 1e6) ?? 256;
        var outputTokens = args.Double("output-tokens", 1, 1e6) ?? 128;
        var systemPrompts = args.Int("system-prompts", 1, 100_000) ?? 8;
        var systemPromptTokens = args.Int("system-prompt-tokens", 1) ?? 1024;
        var sharedPrefixShare = args.Double("shared-prefix-share", 0, 1) ?? 0.5;
        var multiTurnShare = args.Double("multi-turn-share", 0, 1) ?? 0.25;
        var defaultCost = CostModel.CpuWorkerQwen05B;
        var stepMs = args.Double("decode-step-ms", 0) ?? defaultCost.StepMs;
        var prefillMs = args.Double("prefill-ms-per-token", 0) ?? defaultCost.PrefillMsPerToken;
        var decodeMs = args.Double("decode-ms-per-token", 0) ?? defaultCost.DecodeMsPerSequence;
        var blocksPerWorker = args.Int("blocks-per-worker", 1) ?? WorkerShape.DefaultBlocksPerWorker;
        var blockSize = args.Int("block-size", 1, 4096) ?? 16;
        var maxNumSeqs = args.Int("max-num-seqs", 1) ?? 64;
        var maxNumBatchedTokens = args.Int("max-num-batched-tokens", 1) ?? 2048;
        var balanceThreshold = args.Int("balance-threshold", 0) ?? 4;
        var seed = args.Int("seed") ?? 1;
        args.EnsureAllRead();

        var policies = PolicyNames.Parse(policyText)
            ?? throw new UsageException($"--policy must be prefix, least-loaded, round-robin or all, got '{policyText}'");
        if (arrivalRate <= 0)
            throw new UsageException($"--arrival-rate must be above 0 requests/s, got {arrivalRate.ToString(CultureInfo.InvariantCulture)}");
        if (stepMs <= 0)
            throw new UsageException("--decode-step-ms must be above 0: every step takes some time, or the virtual clock would stand still");
        if (jsonPath is not null && Path.GetDirectoryName(Path.GetFullPath(jsonPath)) is { } folder && !Directory.Exists(folder))
            throw new UsageException($"--json: folder '{folder}' does not exist");

        var shape = new WorkerShape(workers, blocksPerWorker, blockSize, maxNumSeqs, maxNumBatchedTokens, balanceThreshold);
        if (systemPromptTokens + promptTokens + outputTokens >= shape.MaxModelLength)
            throw new UsageException(
                $"--system-prompt-tokens + --prompt-tokens + --output-tokens must be below the max model length {shape.MaxModelLength} " +
                $"(--blocks-per-worker x --block-size, at most {WorkerShape.ModelMaxLength}), got {systemPromptTokens} + {promptTokens} + {outputTokens}");

        var workload = new WorkloadOptions(requests, arrivalRate, promptTokens, outputTokens, systemPrompts, systemPromptTokens,
            sharedPrefixShare, multiTurnShare, seed);
        var parameters = new SimulationParameters(workload, shape, new CostModel(stepMs, prefillMs, decodeMs));
        WriteParameters(Console.Out, parameters);

        var results = new List<SimulationResult>();
        foreach (var policy in policies)
        {
            var progress = new SimulationProgress(PolicyNames.Of(policy), requests, Console.Error);
            results.Add(new FleetSimulation(workload, shape, parameters.Cost, policy, progress).Run(cancellationToken));
        }

        Console.Out.WriteLine();
        ResultTable.Write(Console.Out, results);
        if (jsonPath is not null)
            File.WriteAllText(jsonPath, ResultsJson.Serialize(parameters, results));
        return 0;
    }

    private static void WriteParameters(TextWriter output, SimulationParameters p)
    {
        var (w, s, c) = (p.Workload, p.Workers, p.Cost);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fleet     {s.Workers} workers x {s.BlocksPerWorker} KV blocks of {s.BlockSize} tokens (max model length {s.MaxModelLength}); per step at most {s.MaxNumSeqs} sequences and {s.MaxNumBatchedTokens} tokens; balance threshold {s.BalanceThreshold}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"workload  {w.Requests} requests, Poisson arrivals at {w.ArrivalRate:0.###}/s; user message ~{w.PromptTokens:0} and output ~{w.OutputTokens:0} tokens (lognormal, sigma {WorkloadOptions.LengthSigma}); seed {w.Seed}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"          {w.SharedPrefixShare * 100:0.#}% of new conversations open with one of {w.SystemPrompts} system prompts of {w.SystemPromptTokens} tokens; {w.MultiTurnShare * 100:0.#}% of requests continue a conversation from the last {WorkloadOptions.ConversationWindow.TotalSeconds:0} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cost      step {c.StepMs:0.###} ms + {c.PrefillMsPerToken:0.###} ms per prefill token + {c.DecodeMsPerSequence:0.###} ms per decoding sequence"));
    }
}
