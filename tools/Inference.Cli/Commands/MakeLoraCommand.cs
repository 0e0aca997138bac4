using Inference.Cli.CommandLine;
using Inference.Testing.Checkpoints;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Lora;

namespace Inference.Cli.Commands;

/// <summary>`make-lora`: writes a deterministic random PEFT LoRA adapter for a base checkpoint folder (<see cref="RandomLoraWriter"/>).</summary>
public static class MakeLoraCommand
{
    public static int Run(CommandArguments args)
    {
        var model = args.RequiredString("model");
        var output = args.RequiredString("out");
        // PEFT writes the name or path the base was loaded from; serve names a folder by its name, so an adapter meant
        // for vLLM's LoRA resolver, which compares the two, gives the served name here.
        var baseModelName = args.String("base-model-name");
        var spec = new RandomLoraSpec(
            Rank: args.Int("rank", 1, 4096) ?? 8,
            Alpha: args.Double("alpha") ?? 16,
            TargetModules: ReadTargets(args.String("targets") ?? RandomLoraSpec.AllLinear),
            UseRsLora: args.Flag("rslora"),
            DType: ReadDType(args.String("dtype") ?? "bf16"),
            Seed: args.ULong("seed") ?? 0);
        args.EnsureAllRead();
        if (spec.Alpha == 0 || !double.IsFinite(spec.Alpha))
            throw new UsageException($"--alpha must be a finite non-zero number, got {spec.Alpha}");
        if (!Directory.Exists(model))
            throw new UsageException($"--model must be a base checkpoint folder (config.json), got '{model}'");

        var targets = RandomLoraWriter.Targets(spec);
        Console.Error.WriteLine(
            $"writing random LoRA adapter for {model} to {output}: rank {spec.Rank}, alpha {spec.Alpha}" +
            $"{(spec.UseRsLora ? " (rsLoRA)" : "")}, scale {spec.Scale:G4}, targets {string.Join(",", targets.Select(t => t.ModuleName()))}, {spec.DType}, seed {spec.Seed}");
        using var progress = new ConsoleProgress("make-lora");
        RandomLoraWriter.Write(output, model, spec, progress, baseModelName);
        progress.Complete();
        Console.Error.WriteLine($"done: {Path.GetFullPath(output)}");
        return 0;
    }

    /// <summary>"all-linear" (null: every projection), or module names separated by commas.</summary>
    private static IReadOnlyList<string>? ReadTargets(string text)
    {
        if (text == RandomLoraSpec.AllLinear)
            return null;
        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var supported = LoraTargets.All.Select(t => t.ModuleName()).ToList();
        foreach (var name in names)
        {
            if (!supported.Contains(name))
                throw new UsageException($"--targets: '{name}' is not one of {string.Join(", ", supported)} (or all-linear)");
        }
        if (names.Length == 0)
            throw new UsageException("--targets must name at least one module, or be all-linear");
        return names;
    }

    private static TensorDType ReadDType(string text) => text switch
    {
        "bf16" => TensorDType.BF16,
        "f16" => TensorDType.F16,
        "f32" => TensorDType.F32,
        _ => throw new UsageException($"--dtype must be bf16, f16 or f32, got '{text}'"),
    };
}
