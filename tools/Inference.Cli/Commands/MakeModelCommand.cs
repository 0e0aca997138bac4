using Inference.Abstractions.Execution;
using Inference.Cli.CommandLine;
using Inference.Testing.Checkpoints;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Models.Decoder;

namespace Inference.Cli.Commands;

/// <summary>`make-model`: writes a deterministic random-weight Qwen2, Qwen3, Llama, Qwen3-MoE or Qwen2-MoE checkpoint (fixtures/RANDOM_MODEL.md),
/// with --sentence-transformers laid out as an embedding model (<see cref="SentenceTransformersLayout"/>; --pooling and --dense
/// choose its Pooling mode and add a Dense projection).</summary>
public static class MakeModelCommand
{
    public static int Run(CommandArguments args)
    {
        var output = args.RequiredString("out");
        var spec = ReadSpec(args);
        var embedding = args.Flag("sentence-transformers");
        if (embedding && spec.Labels is not null)
            throw new UsageException("--labels/--num-labels write a sequence classifier; --sentence-transformers an embedding model: choose one");
        var pooling = ReadPoolingMode(args.String("pooling"));
        var dense = args.Int("dense", 1);
        if (!embedding && (pooling is not null || dense is not null))
            throw new UsageException("--pooling and --dense shape the --sentence-transformers layout; add --sentence-transformers");
        args.EnsureAllRead();

        Console.Error.WriteLine(
            $"writing random {spec.ArchitectureName} checkpoint to {output}: hidden {spec.HiddenSize}, " +
            $"intermediate {spec.IntermediateSize}, layers {spec.NumHiddenLayers}, heads {spec.NumAttentionHeads}/{spec.NumKeyValueHeads}, " +
            $"head_dim {spec.HeadDim}, {(spec.TieWordEmbeddings ? "tied" : "untied")} head, {spec.DType}" +
            (spec.Experts is { } moe ? $", {moe.Experts} experts ({moe.ExpertsPerToken} per token) of width {moe.ExpertIntermediate}{(moe.SharedExpertIntermediate > 0 ? $" and a shared one of {moe.SharedExpertIntermediate}" : "")}" : "") +
            $"{(spec.Shards > 1 ? $" in {spec.Shards} shards" : "")}{(spec.RopeScaling is { } r ? $", rope scaling {r}" : "")}, seed {spec.Seed}");
        using var progress = new ConsoleProgress("make-model");
        RandomCheckpointWriter.Write(output, spec, progress);
        if (embedding)
            SentenceTransformersLayout.Write(output, spec.HiddenSize, pooling ?? PoolingMode.LastToken, dense, spec.Seed);
        progress.Complete();
        Console.Error.WriteLine($"done: {Path.GetFullPath(output)}");
        return 0;
    }

    /// <summary>A preset (default tiny) with the architecture, sizes and layout overridden from the command line.</summary>
    public static RandomModelSpec ReadSpec(CommandArguments args)
    {
        var preset = args.String("preset") ?? "tiny";
        var seed = args.ULong("seed") ?? 0;
        RandomModelSpec spec;
        try
        {
            spec = RandomModelSpec.FromPreset(preset, seed) with { Family = CheckpointFamilyTraits.Parse(args.String("arch") ?? "qwen2") };
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--preset/--arch: {e.Message}");
        }

        if (args.Flag("tie") && args.Flag("untied"))
            throw new UsageException("--tie and --untied exclude each other");
        spec = spec with
        {
            HiddenSize = args.Int("hidden-size", 1) ?? spec.HiddenSize,
            IntermediateSize = args.Int("intermediate-size", 1) ?? spec.IntermediateSize,
            NumHiddenLayers = args.Int("num-hidden-layers", 1) ?? spec.NumHiddenLayers,
            NumAttentionHeads = args.Int("num-attention-heads", 1) ?? spec.NumAttentionHeads,
            NumKeyValueHeads = args.Int("num-key-value-heads", 1) ?? spec.NumKeyValueHeads,
            ExplicitHeadDim = args.Int("head-dim", 2),
            VocabSize = args.Int("vocab-size", 1) ?? spec.VocabSize,
            TieWordEmbeddings = args.Flag("tie") || (!args.Flag("untied") && spec.TieWordEmbeddings),
            PretrainedContext = args.Int("max-position-embeddings", 1),
            RopeScaling = ReadRopeScaling(args.String("rope-scaling")),
            DType = ReadDType(args.String("dtype") ?? "bf16"),
            Shards = args.Int("shards", 1, 99999) ?? 1,
            Labels = ReadLabels(args.String("labels"), args.Int("num-labels", 1, 100000)),
        };

        spec = spec with { Experts = ReadExperts(args, spec) };
        if (spec.ExplicitHeadDim is null && spec.HiddenSize % spec.NumAttentionHeads != 0)
            throw new UsageException($"--hidden-size ({spec.HiddenSize}) must be a multiple of --num-attention-heads ({spec.NumAttentionHeads}), or give --head-dim");
        if (spec.NumAttentionHeads % spec.NumKeyValueHeads != 0)
            throw new UsageException($"--num-attention-heads ({spec.NumAttentionHeads}) must be a multiple of --num-key-value-heads ({spec.NumKeyValueHeads})");
        if (spec.HeadDim % 2 != 0)
            throw new UsageException($"head dim {spec.HeadDim} must be even (rotary embedding)");
        return spec;
    }

    /// <summary>A MoE family's experts: its defaults with the expert options over them (<see cref="ExpertOptions"/>).</summary>
    private static MixtureOfExperts? ReadExperts(CommandArguments args, RandomModelSpec spec)
    {
        var options = new ExpertOptions(
            args.Int("num-experts", 1),
            args.Int("num-experts-per-tok", 1),
            args.Int("moe-intermediate-size", 1),
            args.Int("shared-expert-intermediate-size", 1),
            args.Int("decoder-sparse-step", 1),
            args.String("mlp-only-layers") is { } layers ? ReadLayerList(layers) : null);
        try
        {
            return options.Apply(spec);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static IReadOnlyList<int> ReadLayerList(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var layers = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int layer))
                throw new UsageException($"--mlp-only-layers must be layer indices separated by commas, got '{text}'");
            layers.Add(layer);
        }

        return layers;
    }

    /// <summary>--labels a,b,c (class names) or --num-labels N (LABEL_0 .. LABEL_{N-1}, as transformers names them): a sequence classifier.</summary>
    private static IReadOnlyList<string>? ReadLabels(string? names, int? count)
    {
        if (names is not null && count is not null)
            throw new UsageException("--labels and --num-labels exclude each other");
        if (count is { } n)
            return [.. Enumerable.Range(0, n).Select(i => $"LABEL_{i}")];
        if (names is null)
            return null;
        var labels = names.Split(',', StringSplitOptions.TrimEntries);
        if (labels.Any(string.IsNullOrEmpty) || labels.Distinct(StringComparer.Ordinal).Count() != labels.Length)
            throw new UsageException($"--labels must be distinct, non-empty class names separated by commas, got '{names}'");
        return labels;
    }

    private static RandomRopeScaling? ReadRopeScaling(string? text)
    {
        try
        {
            return text is null ? null : RandomRopeScaling.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--rope-scaling: {e.Message}");
        }
    }

    /// <summary>The --pooling names: sentence-transformers' pooling_mode_* flags without the prefix and suffix.</summary>
    private static readonly Dictionary<string, PoolingMode> PoolingNames = new(StringComparer.Ordinal)
    {
        ["last"] = PoolingMode.LastToken,
        ["cls"] = PoolingMode.Cls,
        ["mean"] = PoolingMode.Mean,
        ["max"] = PoolingMode.Max,
        ["mean-sqrt-len"] = PoolingMode.MeanSqrtLength,
        ["weighted-mean"] = PoolingMode.WeightedMean,
    };

    private static PoolingMode? ReadPoolingMode(string? text) => text is null ? null
        : PoolingNames.TryGetValue(text, out var mode) ? mode
        : throw new UsageException($"--pooling must be one of {string.Join(", ", PoolingNames.Keys)}, got '{text}'");

    private static TensorDType ReadDType(string text) => text switch
    {
        "bf16" => TensorDType.BF16,
        "f16" => TensorDType.F16,
        _ => throw new UsageException($"--dtype must be bf16 or f16, got '{text}'"),
    };
}
