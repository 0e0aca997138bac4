using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Worker.Runtime.Checkpoints;

namespace Inference.Testing.Checkpoints;

/// <summary>
/// Writes a deterministic random Qwen2, Qwen3 or Llama checkpoint in the Hugging Face layout
/// (fixtures/RANDOM_MODEL.md): config.json, generation_config.json, model.safetensors (or shards and
/// model.safetensors.index.json) in BF16 or F16, and the family's tokenizer files.
/// </summary>
public static class RandomCheckpointWriter
{
    private const int ChunkElements = 1 << 20;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <exception cref="ArgumentException">The spec has invalid sizes.</exception>
    public static void Write(string outputDirectory, RandomModelSpec spec, IProgress<double>? progress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        spec.Validate();
        var tensors = spec.Tensors();
        var shards = ShardPlan.Split(tensors, spec.Shards);
        Directory.CreateDirectory(outputDirectory);
        File.WriteAllText(Path.Combine(outputDirectory, "config.json"), RandomConfigJson.Config(spec).ToJsonString(Indented));
        File.WriteAllText(Path.Combine(outputDirectory, "generation_config.json"), RandomConfigJson.GenerationConfig().ToJsonString(Indented));
        EmbeddedTokenizer.CopyTo(outputDirectory, spec.Traits.Tokenizer);

        var counter = new ProgressCounter(tensors.Sum(t => t.ElementCount), progress);
        foreach (var (fileName, shardTensors) in shards)
        {
            WriteSafetensors(Path.Combine(outputDirectory, fileName), shardTensors, spec, counter);
        }

        string index = Path.Combine(outputDirectory, ShardPlan.IndexFileName);
        if (shards.Count > 1)
        {
            File.WriteAllText(index, IndexJson(shards, spec).ToJsonString(Indented));
        }
        else
        {
            File.Delete(index); // a stale index would shadow model.safetensors
        }
    }

    /// <summary>model.safetensors.index.json: total data bytes and which shard holds each tensor.</summary>
    private static JsonObject IndexJson(IReadOnlyList<(string FileName, IReadOnlyList<TensorSpec> Tensors)> shards, RandomModelSpec spec)
    {
        var map = new JsonObject();
        long totalSize = 0;
        foreach (var (fileName, tensors) in shards)
        {
            foreach (var tensor in tensors)
            {
                map[tensor.Name] = fileName;
                totalSize += tensor.ElementCount * 2;
            }
        }

        return new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = totalSize }, ["weight_map"] = map };
    }

    /// <summary>
    /// The header is known up front, so the file is sized once and chunks of every tensor are generated
    /// in parallel and written at their own offsets: nothing is held in memory beyond one chunk per thread.
    /// </summary>
    private static void WriteSafetensors(string path, IReadOnlyList<TensorSpec> tensors, RandomModelSpec spec, ProgressCounter counter)
    {
        var layout = SafetensorsHeaderWriter.Build(tensors, spec.DType.ToString(), bytesPerElement: 2);
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
            Parallel.ForEach(
                chunks,
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                () => new ushort[ChunkElements],
                (chunk, _, buffer) =>
                {
                    var values = buffer.AsSpan(0, chunk.Count);
                    RandomWeights.Fill(values, RandomWeights.TensorState(chunk.Tensor.Name, spec.Seed), chunk.First,
                        RandomWeights.CenterOf(chunk.Tensor.Name), spec.Std, spec.DType);
                    long fileOffset = layout.DataStart + chunk.Offset + chunk.First * 2;
                    RandomAccess.Write(handle, MemoryMarshal.AsBytes(values), fileOffset);
                    counter.Add(chunk.Count);
                    return buffer;
                },
                _ => { });
        }

        File.Move(temporaryPath, path, overwrite: true);
    }

    private sealed class ProgressCounter(long total, IProgress<double>? progress)
    {
        private long _done;

        public void Add(long elements) => progress?.Report((double)Interlocked.Add(ref _done, elements) / total);
    }
}
