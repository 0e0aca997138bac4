using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Models.Qwen2;

namespace Inference.Testing.Checkpoints;

/// <summary>
/// Writes a deterministic random Qwen2 checkpoint in the Hugging Face layout (fixtures/RANDOM_MODEL.md):
/// config.json, generation_config.json, model.safetensors (BF16) and the Qwen2.5 tokenizer files.
/// </summary>
public static class RandomCheckpointWriter
{
    private const int ChunkElements = 1 << 20;
    private const int BosTokenId = 151643;
    private const int ImEndTokenId = 151645;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <exception cref="ArgumentException">The spec has invalid sizes.</exception>
    public static void Write(string outputDirectory, RandomModelSpec spec, IProgress<double>? progress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        spec.Validate();
        Directory.CreateDirectory(outputDirectory);
        File.WriteAllText(Path.Combine(outputDirectory, "config.json"), ConfigJson(spec).ToJsonString(Indented));
        File.WriteAllText(Path.Combine(outputDirectory, "generation_config.json"), GenerationConfigJson().ToJsonString(Indented));
        EmbeddedTokenizer.CopyTo(outputDirectory);
        WriteSafetensors(Path.Combine(outputDirectory, "model.safetensors"), spec, progress);
    }

    private static JsonObject ConfigJson(RandomModelSpec spec) => new()
    {
        ["architectures"] = new JsonArray("Qwen2ForCausalLM"),
        ["model_type"] = "qwen2",
        ["vocab_size"] = spec.VocabSize,
        ["max_position_embeddings"] = 32768,
        ["rms_norm_eps"] = 1e-6,
        ["rope_theta"] = 1000000.0,
        ["hidden_act"] = "silu",
        ["torch_dtype"] = "bfloat16",
        ["bos_token_id"] = BosTokenId,
        ["eos_token_id"] = ImEndTokenId,
        ["sliding_window"] = 32768,
        ["use_sliding_window"] = false,
        ["attention_dropout"] = 0.0,
        ["hidden_size"] = spec.HiddenSize,
        ["intermediate_size"] = spec.IntermediateSize,
        ["num_hidden_layers"] = spec.NumHiddenLayers,
        ["num_attention_heads"] = spec.NumAttentionHeads,
        ["num_key_value_heads"] = spec.NumKeyValueHeads,
        ["tie_word_embeddings"] = spec.TieWordEmbeddings,
    };

    private static JsonObject GenerationConfigJson() => new()
    {
        ["bos_token_id"] = BosTokenId,
        ["eos_token_id"] = new JsonArray(ImEndTokenId, BosTokenId),
        ["do_sample"] = false,
    };

    private static IReadOnlyList<TensorSpec> TensorsOf(RandomModelSpec spec) => Qwen2TensorNames.All(
        spec.VocabSize, spec.HiddenSize, spec.IntermediateSize, spec.NumHiddenLayers,
        spec.NumAttentionHeads, spec.NumKeyValueHeads, spec.TieWordEmbeddings);

    /// <summary>
    /// The header is known up front, so the file is sized once and chunks of every tensor are generated
    /// in parallel and written at their own offsets: nothing is held in memory beyond one chunk per thread.
    /// </summary>
    private static void WriteSafetensors(string path, RandomModelSpec spec, IProgress<double>? progress)
    {
        var tensors = TensorsOf(spec);
        var layout = SafetensorsHeaderWriter.Build(tensors, "BF16", bytesPerElement: 2);
        long totalElements = tensors.Sum(t => t.ElementCount);
        var chunks = new List<(TensorSpec Tensor, long Offset, long First, int Count)>();
        foreach (var (tensor, offset) in tensors.Zip(layout.DataOffsets))
        {
            for (long first = 0; first < tensor.ElementCount; first += ChunkElements)
            {
                chunks.Add((tensor, offset, first, (int)Math.Min(ChunkElements, tensor.ElementCount - first)));
            }
        }

        string temporaryPath = path + ".partial";
        using (var handle = File.OpenHandle(temporaryPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, FileOptions.None, layout.FileLength))
        {
            RandomAccess.Write(handle, layout.HeaderBytes, 0);
            long done = 0;
            Parallel.ForEach(
                chunks,
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                () => new ushort[ChunkElements],
                (chunk, _, buffer) =>
                {
                    var values = buffer.AsSpan(0, chunk.Count);
                    RandomWeights.Fill(values, RandomWeights.TensorState(chunk.Tensor.Name, spec.Seed), chunk.First,
                        RandomWeights.CenterOf(chunk.Tensor.Name), spec.Std);
                    long fileOffset = layout.DataStart + chunk.Offset + chunk.First * 2;
                    RandomAccess.Write(handle, MemoryMarshal.AsBytes(values), fileOffset);
                    progress?.Report((double)Interlocked.Add(ref done, chunk.Count) / totalElements);
                    return buffer;
                },
                _ => { });
        }

        File.Move(temporaryPath, path, overwrite: true);
    }
}
