using System.Text.RegularExpressions;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Models.Decoder;

namespace Worker.Runtime.Lora;

/// <summary>
/// Reads a PEFT adapter folder (adapter_config.json, adapter_model.safetensors) for a given base model: every tensor
/// must be a lora_A or lora_B of one of the seven projections of an existing layer, with its partner, in a dtype the
/// loader reads, shaped for the base model's dims. Anything else refuses the adapter, naming the tensor.
/// </summary>
public static partial class LoraAdapterReader
{
    public const string WeightsFileName = "adapter_model.safetensors";
    public const string PickleWeightsFileName = "adapter_model.bin";

    /// <exception cref="FileNotFoundException">The folder, its config or its safetensors file is missing.</exception>
    /// <exception cref="InvalidDataException">The config or a tensor is not supported or does not fit the base model (the message names it).</exception>
    public static LoraAdapter Read(string name, string folder, DecoderSpec spec)
    {
        if (!Directory.Exists(folder))
        {
            throw new FileNotFoundException($"LoRA adapter {name}: folder {folder} does not exist.", folder);
        }

        var config = LoraAdapterConfig.Load(folder);
        string weightsPath = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(weightsPath))
        {
            throw File.Exists(Path.Combine(folder, PickleWeightsFileName))
                ? new InvalidDataException(
                    $"LoRA adapter {folder} has only {PickleWeightsFileName}: pickle files are not read; convert it to {WeightsFileName} " +
                    "(for example with PEFT: model.save_pretrained(dir, safe_serialization=True)).")
                : new FileNotFoundException($"LoRA adapter {folder} has no {WeightsFileName}.", weightsPath);
        }

        using var file = new SafetensorsFile(weightsPath);
        var pairs = PairTensors(file, config, spec);
        var modules = new LoraModuleWeights?[spec.Layers][];
        for (int layer = 0; layer < spec.Layers; layer++)
        {
            modules[layer] = new LoraModuleWeights?[LoraTargets.All.Count];
        }

        foreach (var ((layer, target), (a, b)) in pairs)
        {
            modules[layer][(int)target] = ToModuleWeights(a, b, config, spec, target);
        }

        return new LoraAdapter(name, folder, config, modules);
    }

    /// <summary>Each (layer, module)'s A and B, after every name, dtype and shape check.</summary>
    private static Dictionary<(int Layer, LoraTarget Target), (TensorView A, TensorView B)> PairTensors(SafetensorsFile file, LoraAdapterConfig config, DecoderSpec spec)
    {
        var halves = new Dictionary<(int Layer, LoraTarget Target), (TensorView? A, TensorView? B)>();
        foreach (var (tensorName, tensor) in file.Tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var match = TensorName().Match(tensorName);
            if (!match.Success || !LoraTargets.TryParse(match.Groups["module"].Value, out var target)
                || match.Groups["block"].Value != target.Block()
                || !int.TryParse(match.Groups["layer"].Value, out int layer))
            {
                throw Refuse(file, tensorName,
                    "is not a LoRA tensor this worker reads (expected base_model.model.model.layers.{L}.{self_attn|mlp}.{module}.lora_{A|B}.weight " +
                    $"for module one of {string.Join(", ", LoraTargets.All.Select(t => t.ModuleName()))})");
            }

            if (layer >= spec.Layers)
            {
                throw Refuse(file, tensorName, $"is for layer {layer}, but the base model has {spec.Layers} layers");
            }

            if (target.Block() == "mlp" && spec.IsSparse(layer))
            {
                throw Refuse(file, tensorName, $"is for the MLP of layer {layer}, which is a mixture of experts in the base model: adapters of experts are not read (of attention modules they are)");
            }

            if (!config.TargetModules.Selects(target, layer))
            {
                throw Refuse(file, tensorName, $"is for module {target.QualifiedName(layer)}, which target_modules {config.TargetModules.Text} does not select");
            }

            if (tensor.DType is not (TensorDType.F32 or TensorDType.BF16 or TensorDType.F16))
            {
                throw Refuse(file, tensorName, $"has dtype {tensor.DType}; LoRA tensors must be F32, BF16 or F16");
            }

            bool isA = match.Groups["half"].Value == "A";
            var (inFeatures, outFeatures) = target.Features(spec);
            long[] expected = isA ? [config.Rank, inFeatures] : [outFeatures, config.Rank];
            if (!tensor.Shape.SequenceEqual(expected))
            {
                throw Refuse(file, tensorName,
                    $"has shape {TensorSpec.FormatShape(tensor.Shape)}, expected {TensorSpec.FormatShape(expected)} (r = {config.Rank}, the base model's {target.ModuleName()} is [{outFeatures}, {inFeatures}])");
            }

            var key = (layer, target);
            var pair = halves.GetValueOrDefault(key);
            halves[key] = isA ? pair with { A = tensor } : pair with { B = tensor };
        }

        var pairs = new Dictionary<(int Layer, LoraTarget Target), (TensorView A, TensorView B)>();
        foreach (var ((layer, target), (a, b)) in halves)
        {
            if (a is null || b is null)
            {
                string present = (a ?? b)!.Name;
                string missing = present[..^"lora_A.weight".Length] + (a is null ? "lora_A.weight" : "lora_B.weight");
                throw Refuse(file, present, $"has no partner: {missing} is missing");
            }

            pairs[(layer, target)] = (a, b);
        }

        return pairs;
    }

    private static LoraModuleWeights ToModuleWeights(TensorView a, TensorView b, LoraAdapterConfig config, DecoderSpec spec, LoraTarget target)
    {
        int rank = config.Rank;
        var (inFeatures, outFeatures) = target.Features(spec);
        var scaledA = new float[rank * inFeatures];
        a.CopyTo(scaledA);
        System.Numerics.Tensors.TensorPrimitives.Multiply(scaledA, config.Scale, scaledA);

        var bRows = new float[outFeatures * rank];
        b.CopyTo(bRows);
        var bTransposed = new float[rank * outFeatures];
        for (int o = 0; o < outFeatures; o++)
        {
            for (int j = 0; j < rank; j++)
            {
                bTransposed[j * outFeatures + o] = bRows[o * rank + j];
            }
        }

        return new LoraModuleWeights(scaledA, bTransposed, rank, inFeatures, outFeatures);
    }

    private static InvalidDataException Refuse(SafetensorsFile file, string tensorName, string problem) =>
        new($"LoRA adapter {file.Path}: tensor '{tensorName}' {problem}.");

    [GeneratedRegex(@"^base_model\.model\.model\.layers\.(?<layer>\d+)\.(?<block>self_attn|mlp)\.(?<module>[a-z_]+)\.lora_(?<half>A|B)\.weight$", RegexOptions.CultureInvariant)]
    private static partial Regex TensorName();
}
