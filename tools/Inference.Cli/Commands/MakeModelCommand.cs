using Inference.Cli.CommandLine;
using Inference.Testing.Checkpoints;

namespace Inference.Cli.Commands;

/// <summary>`make-model`: writes a deterministic random-weight Qwen2 checkpoint (fixtures/RANDOM_MODEL.md).</summary>
public static class MakeModelCommand
{
    public static int Run(CommandArguments args)
    {
        var output = args.RequiredString("out");
        var spec = ReadSpec(args);
        args.EnsureAllRead();

        Console.Error.WriteLine(
            $"writing random Qwen2 checkpoint to {output}: hidden {spec.HiddenSize}, intermediate {spec.IntermediateSize}, " +
            $"layers {spec.NumHiddenLayers}, heads {spec.NumAttentionHeads}/{spec.NumKeyValueHeads}, " +
            $"{(spec.TieWordEmbeddings ? "tied" : "untied")} head, seed {spec.Seed}");
        using var progress = new ConsoleProgress("make-model");
        RandomCheckpointWriter.Write(output, spec, progress);
        progress.Complete();
        Console.Error.WriteLine($"done: {Path.GetFullPath(output)}");
        return 0;
    }

    /// <summary>A preset (default tiny) with any size overridden from the command line.</summary>
    public static RandomModelSpec ReadSpec(CommandArguments args)
    {
        var preset = args.String("preset") ?? "tiny";
        var seed = args.ULong("seed") ?? 0;
        RandomModelSpec spec;
        try
        {
            spec = RandomModelSpec.FromPreset(preset, seed);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--preset: {e.Message}");
        }

        spec = spec with
        {
            HiddenSize = args.Int("hidden-size", 1) ?? spec.HiddenSize,
            IntermediateSize = args.Int("intermediate-size", 1) ?? spec.IntermediateSize,
            NumHiddenLayers = args.Int("num-hidden-layers", 1) ?? spec.NumHiddenLayers,
            NumAttentionHeads = args.Int("num-attention-heads", 1) ?? spec.NumAttentionHeads,
            NumKeyValueHeads = args.Int("num-key-value-heads", 1) ?? spec.NumKeyValueHeads,
            TieWordEmbeddings = !args.Flag("untied") && spec.TieWordEmbeddings,
        };

        if (spec.HiddenSize % spec.NumAttentionHeads != 0)
            throw new UsageException($"--hidden-size ({spec.HiddenSize}) must be a multiple of --num-attention-heads ({spec.NumAttentionHeads})");
        if (spec.NumAttentionHeads % spec.NumKeyValueHeads != 0)
            throw new UsageException($"--num-attention-heads ({spec.NumAttentionHeads}) must be a multiple of --num-key-value-heads ({spec.NumKeyValueHeads})");
        if ((spec.HiddenSize / spec.NumAttentionHeads) % 2 != 0)
            throw new UsageException($"head dim hidden-size/num-attention-heads = {spec.HiddenSize / spec.NumAttentionHeads} must be even (rotary embedding)");
        return spec;
    }
}
