using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Lora;
using Worker.Runtime.Models;
using Worker.Runtime.Models.Decoder;

namespace Inference.Testing.Checkpoints;

/// <summary>
/// Writes a deterministic random PEFT LoRA adapter for a base model, as PEFT saves one: adapter_config.json and
/// adapter_model.safetensors with base_model.model.model.layers.{L}.{block}.{module}.lora_A.weight [r, in] and
/// lora_B.weight [out, r] for every layer and selected module. Values are uniform (the random model's recipe): A with
/// std 1 / sqrt(in), so A x is about unit size, and B with std Strength / (scale * sqrt(r)), so the delta's elements are
/// about Strength. Unlike a freshly initialized PEFT adapter (B = 0), B is random, so outputs change.
/// </summary>
public static class RandomLoraWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// For the base model folder at <paramref name="baseModel"/> (its config.json gives the dims); the config names the
    /// base <paramref name="baseModelName"/>, default the folder as given (PEFT writes the path it loaded).
    /// </summary>
    /// <exception cref="ArgumentException">The spec is invalid, or the base is not a decoder checkpoint folder.</exception>
    public static void Write(
        string outputDirectory, string baseModel, RandomLoraSpec spec, IProgress<double>? progress = null, string? baseModelName = null) =>
        Write(outputDirectory, SpecOf(baseModel), spec, baseModelName ?? baseModel, progress);

    /// <exception cref="ArgumentException">The spec is invalid, or a target module is not one of the seven projections.</exception>
    public static void Write(string outputDirectory, DecoderSpec model, RandomLoraSpec spec, string? baseModelName = null, IProgress<double>? progress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        spec.Validate();
        var targets = Targets(spec);
        var tensors = new List<TensorSpec>();
        for (int layer = 0; layer < model.Layers; layer++)
        {
            foreach (var target in targets)
            {
                var (inFeatures, outFeatures) = target.Features(model);
                tensors.Add(new TensorSpec(TensorName(layer, target, "A"), [spec.Rank, inFeatures]));
                tensors.Add(new TensorSpec(TensorName(layer, target, "B"), [outFeatures, spec.Rank]));
            }
        }

        Directory.CreateDirectory(outputDirectory);
        File.WriteAllText(Path.Combine(outputDirectory, LoraAdapterConfig.FileName), Config(spec, baseModelName).ToJsonString(Indented));
        int bytesPerElement = spec.DType == TensorDType.F32 ? 4 : 2;
        var layout = SafetensorsHeaderWriter.Build(tensors, spec.DType.ToString(), bytesPerElement);
        using var file = File.Create(Path.Combine(outputDirectory, LoraAdapterReader.WeightsFileName));
        file.Write(layout.HeaderBytes);
        for (int t = 0; t < tensors.Count; t++)
        {
            var tensor = tensors[t];
            bool isA = tensor.Name.EndsWith("lora_A.weight", StringComparison.Ordinal);
            double std = isA ? 1 / Math.Sqrt(tensor.Shape[1]) : spec.Strength / (spec.Scale * Math.Sqrt(spec.Rank));
            file.Write(Values(tensor, RandomWeights.TensorState(tensor.Name, spec.Seed), std, spec.DType));
            progress?.Report((t + 1.0) / tensors.Count);
        }
    }

    /// <summary>PEFT's name of a module's lora_A or lora_B.</summary>
    public static string TensorName(int layer, LoraTarget target, string half) =>
        $"base_model.model.{target.QualifiedName(layer)}.lora_{half}.weight";

    /// <summary>The dims of a Qwen2, Qwen3 or Llama model folder.</summary>
    /// <exception cref="ArgumentException">The folder's architecture is not a decoder this worker serves.</exception>
    public static DecoderSpec SpecOf(string baseModel) => ModelRegistry.LoadConfig(baseModel) is DecoderConfig config
        ? config.Spec
        : throw new ArgumentException($"{baseModel} is not a Qwen2, Qwen3 or Llama checkpoint folder.", nameof(baseModel));

    /// <summary>The modules the spec's adapter changes: its list, or all seven for all-linear.</summary>
    public static IReadOnlyList<LoraTarget> Targets(RandomLoraSpec spec)
    {
        if (spec.TargetModules is null)
        {
            return LoraTargets.All;
        }

        return [.. spec.TargetModules.Select(name => LoraTargets.TryParse(name, out var target)
            ? target
            : throw new ArgumentException($"Target module '{name}' is not one of {string.Join(", ", LoraTargets.All.Select(t => t.ModuleName()))}."))
            .Distinct()];
    }

    private static JsonObject Config(RandomLoraSpec spec, string? baseModelName) => new()
    {
        ["peft_type"] = "LORA",
        ["task_type"] = "CAUSAL_LM",
        ["base_model_name_or_path"] = baseModelName,
        ["r"] = spec.Rank,
        ["lora_alpha"] = spec.Alpha,
        ["lora_dropout"] = 0.0,
        ["use_rslora"] = spec.UseRsLora,
        ["use_dora"] = false,
        ["bias"] = "none",
        ["fan_in_fan_out"] = false,
        ["modules_to_save"] = null,
        ["layers_to_transform"] = null,
        ["layers_pattern"] = null,
        ["rank_pattern"] = new JsonObject(),
        ["alpha_pattern"] = new JsonObject(),
        ["target_modules"] = spec.TargetModules is null
            ? RandomLoraSpec.AllLinear
            : new JsonArray([.. spec.TargetModules.Select(m => (JsonNode)m)]),
    };

    /// <summary>Uniform values of mean 0 and the given std (the random model's SplitMix64 recipe), in the file's dtype.</summary>
    private static byte[] Values(TensorSpec tensor, ulong state, double std, TensorDType dtype)
    {
        var values = new float[tensor.ElementCount];
        double halfWidth = std * Math.Sqrt(3.0);
        for (int k = 0; k < values.Length; k++)
        {
            double u = (RandomWeights.SplitMix64(state, (ulong)k) >> 11) * (1.0 / (1UL << 53));
            values[k] = (float)((2 * u - 1) * halfWidth);
        }

        return dtype switch
        {
            TensorDType.F32 => MemoryMarshal.AsBytes(values.AsSpan()).ToArray(),
            TensorDType.BF16 => MemoryMarshal.AsBytes(values.Select(BFloat16.FromSingle).ToArray().AsSpan()).ToArray(),
            _ => MemoryMarshal.AsBytes(values.Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray().AsSpan()).ToArray(),
        };
    }
}
