using System.Globalization;
using Inference.Testing.Checkpoints;
using Worker.Runtime.Checkpoints;

namespace Worker.Tests.Support;

/// <summary>
/// Replays a golden fixture's `make-model` command line (its make_model_args) as the spec the CLI builds from
/// it, so a test regenerates exactly the checkpoint the reference ran on. Knows the options the fixtures use.
/// </summary>
internal static class MakeModelArguments
{
    public static RandomModelSpec ToSpec(IReadOnlyList<string> args)
    {
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i].StartsWith("--", StringComparison.Ordinal)
                ? args[i][2..]
                : throw new ArgumentException($"unexpected argument '{args[i]}'");
            options[name] = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
        }

        ulong seed = options.Remove("seed", out var s) ? ulong.Parse(s!, CultureInfo.InvariantCulture) : 0;
        var spec = RandomModelSpec.FromPreset(options.Remove("preset", out var p) ? p! : "tiny", seed);
        var moe = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in options)
        {
            if (name is "num-experts" or "num-experts-per-tok" or "moe-intermediate-size" or "shared-expert-intermediate-size" or "decoder-sparse-step" or "mlp-only-layers")
            {
                moe[name] = value;
                continue;
            }

            spec = name switch
            {
                "arch" => spec with { Family = CheckpointFamilyTraits.Parse(value!) },
                "hidden-size" => spec with { HiddenSize = Int(value) },
                "intermediate-size" => spec with { IntermediateSize = Int(value) },
                "num-hidden-layers" => spec with { NumHiddenLayers = Int(value) },
                "num-attention-heads" => spec with { NumAttentionHeads = Int(value) },
                "num-key-value-heads" => spec with { NumKeyValueHeads = Int(value) },
                "head-dim" => spec with { ExplicitHeadDim = Int(value) },
                "vocab-size" => spec with { VocabSize = Int(value) },
                "untied" => spec with { TieWordEmbeddings = false },
                "tie" => spec with { TieWordEmbeddings = true },
                "max-position-embeddings" => spec with { PretrainedContext = Int(value) },
                "rope-scaling" => spec with { RopeScaling = RandomRopeScaling.Parse(value!) },
                "dtype" => spec with { DType = value == "f16" ? TensorDType.F16 : TensorDType.BF16 },
                "shards" => spec with { Shards = Int(value) },
                _ => throw new ArgumentException($"make-model option --{name} is not replayed by the tests"),
            };
        }

        // As make-model: a MoE family's default experts (from the final sizes), the options over them.
        int? Option(string name) => moe.TryGetValue(name, out var value) ? Int(value) : null;
        var experts = new ExpertOptions(
            Option("num-experts"),
            Option("num-experts-per-tok"),
            Option("moe-intermediate-size"),
            Option("shared-expert-intermediate-size"),
            Option("decoder-sparse-step"),
            moe.TryGetValue("mlp-only-layers", out var dense) ? [.. dense!.Split(',').Select(Int)] : null);
        spec = spec with { Experts = experts.Apply(spec) };

        return spec;
    }

    private static int Int(string? value) => int.Parse(value!, CultureInfo.InvariantCulture);
}
