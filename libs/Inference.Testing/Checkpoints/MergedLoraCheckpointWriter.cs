using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Worker.Runtime.Checkpoints;

namespace Inference.Testing.Checkpoints;

/// <summary>
/// Writes a base model with a LoRA adapter merged into its weights, W' = W + scale * B A (PEFT's merge_and_unload),
/// as one F32 model.safetensors; every other tensor (biases, norms, embedding) keeps the base's values, widened to F32,
/// and the folder's other files (config.json, tokenizer...) are copied. The reference of the adapter equivalence
/// tests: it reads the adapter with its own few lines (config fields and raw tensors, merged in double), not through
/// the worker's adapter reader, so the two paths can disagree.
/// </summary>
public static class MergedLoraCheckpointWriter
{
    private const string AdapterPrefix = "base_model.model.";

    public static void Write(string baseModel, string adapter, string outputDirectory)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(adapter, "adapter_config.json")))!.AsObject();
        int rank = config["r"]!.GetValue<int>();
        double alpha = config["lora_alpha"]!.GetValue<double>();
        bool rsLora = config["use_rslora"]?.GetValue<bool>() ?? false;
        double scale = rsLora ? alpha / Math.Sqrt(rank) : alpha / rank;

        Directory.CreateDirectory(outputDirectory);
        foreach (string path in Directory.EnumerateFiles(baseModel))
        {
            string name = Path.GetFileName(path);
            if (!name.EndsWith(".safetensors", StringComparison.Ordinal) && name != ShardPlan.IndexFileName)
            {
                File.Copy(path, Path.Combine(outputDirectory, name), overwrite: true);
            }
        }

        // Every shard of the base (model.safetensors, or model-0000i-of-0000n.safetensors), merged into one file.
        var shards = Directory.EnumerateFiles(baseModel, "*.safetensors").Order(StringComparer.Ordinal).Select(p => new SafetensorsFile(p)).ToList();
        try
        {
            WriteMerged(shards.SelectMany(s => s.Tensors.Values).OrderBy(t => t.Name, StringComparer.Ordinal).ToList(), adapter, rank, scale, outputDirectory);
        }
        finally
        {
            shards.ForEach(s => s.Dispose());
        }
    }

    private static void WriteMerged(IReadOnlyList<TensorView> baseTensors, string adapter, int rank, double scale, string outputDirectory)
    {
        using var lora = new SafetensorsFile(Path.Combine(adapter, "adapter_model.safetensors"));
        var tensors = baseTensors.Select(t => new TensorSpec(t.Name, [.. t.Shape])).ToList();

        var layout = SafetensorsHeaderWriter.Build(tensors, "F32", bytesPerElement: 4);
        using var file = File.Create(Path.Combine(outputDirectory, "model.safetensors"));
        file.Write(layout.HeaderBytes);
        foreach (var (spec, tensor) in tensors.Zip(baseTensors))
        {
            var values = new float[spec.ElementCount];
            tensor.CopyTo(values);
            string module = spec.Name.EndsWith(".weight", StringComparison.Ordinal) ? spec.Name[..^".weight".Length] : spec.Name;
            if (lora.Tensors.TryGetValue($"{AdapterPrefix}{module}.lora_A.weight", out var a)
                && lora.Tensors.TryGetValue($"{AdapterPrefix}{module}.lora_B.weight", out var b))
            {
                Merge(values, (int)spec.Shape[0], (int)spec.Shape[1], a, b, rank, scale);
            }

            file.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        }
    }

    /// <summary>W[o, i] += scale * sum_j B[o, j] A[j, i].</summary>
    private static void Merge(float[] weight, int rows, int cols, TensorView a, TensorView b, int rank, double scale)
    {
        var aValues = new float[rank * cols];
        var bValues = new float[rows * rank];
        a.CopyTo(aValues);
        b.CopyTo(bValues);
        for (int o = 0; o < rows; o++)
        {
            for (int i = 0; i < cols; i++)
            {
                double sum = 0;
                for (int j = 0; j < rank; j++)
                {
                    sum += (double)bValues[o * rank + j] * aValues[j * cols + i];
                }

                weight[o * cols + i] = (float)(weight[o * cols + i] + scale * sum);
            }
        }
    }
}
