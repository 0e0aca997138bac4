using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Inference.Gguf;
using Worker.Runtime.Checkpoints;

namespace Inference.Cli.Gguf;

/// <summary>
/// Converts a Hugging Face checkpoint folder (config.json, tokenizer files, model.safetensors or its shards in BF16,
/// F16 or F32) of a mapped architecture (<see cref="GgufArchitecture"/>) into one GGUF v3 file llama.cpp loads:
/// model and tokenizer metadata, matrices in the output type, norms and biases in F32, Q/K rows permuted where the
/// architecture needs it, and llama3's rope_freqs tensor. Writes FILE.partial and renames it when complete.
/// </summary>
public static class HfToGgufConverter
{
    private const int ChunkBytes = 1 << 20;
    private const string Router = ".ffn_gate_inp.weight";
    private const string SharedExpertGate = ".ffn_gate_inp_shexp.weight";

    /// <exception cref="FileNotFoundException">config.json, tokenizer.json or the weights are missing.</exception>
    /// <exception cref="InvalidDataException">The architecture, a tensor or the tokenizer has no GGUF mapping (the message names it).</exception>
    public static GgufConversion Convert(string modelDirectory, string outputPath, GgufOutputType outputType, IProgress<double>? progress = null)
    {
        var config = HfModelConfig.Load(modelDirectory);
        var architecture = GgufArchitecture.For(config.Architecture);
        var metadata = new GgufMetadata();
        string name = new DirectoryInfo(Path.GetFullPath(modelDirectory)).Name;
        GgufModelMetadata.Add(metadata, config, architecture, name, outputType.FileType());
        GgufTokenizerMetadata.Add(metadata, modelDirectory, config);

        using var checkpoint = SafetensorsTensors.Open(modelDirectory);
        var tensors = new List<GgufTensorData>();
        if (config.RopeScaling?.Type == "llama3")
        {
            float[] factors = RopeFrequencyFactors.Llama3(config, architecture.HeadDim(config));
            tensors.Add(new GgufTensorData(
                new GgufTensorInfo(GgufTensorNames.RopeFrequencies, GgmlType.F32, [factors.Length]),
                stream => stream.Write(MemoryMarshal.AsBytes(factors.AsSpan()))));
        }

        foreach (var (hfNames, ggufName) in MappedNames(checkpoint))
        {
            tensors.Add(hfNames.Count == 1
                ? TensorData(checkpoint.Tensors[hfNames[0]], ggufName, config, architecture, outputType)
                : StackedExperts([.. hfNames.Select(n => checkpoint.Tensors[n])], ggufName, outputType));
        }

        string directory = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        Directory.CreateDirectory(directory);
        string partial = outputPath + ".partial";
        using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, ChunkBytes))
        {
            GgufWriter.Write(stream, metadata, tensors, progress);
        }

        File.Move(partial, outputPath, overwrite: true);
        return new GgufConversion(outputPath, architecture.GgufName, tensors.Count, new FileInfo(outputPath).Length);
    }

    /// <summary>
    /// Every checkpoint tensor with its GGUF name, in llama.cpp's order: embedding, blocks by layer, output norm, output.
    /// A mixture of experts' projections are one GGUF tensor per layer and projection, listing every expert's tensor in order.
    /// </summary>
    private static List<(IReadOnlyList<string> HfNames, string GgufName)> MappedNames(SafetensorsTensors checkpoint)
    {
        var mapped = new List<(IReadOnlyList<string> HfNames, string GgufName)>();
        var experts = new Dictionary<string, SortedDictionary<int, string>>(StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (string hfName in checkpoint.Tensors.Keys)
        {
            if (hfName.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal))
            {
                continue; // recomputed from rope_theta; llama.cpp has no tensor for it
            }

            if (GgufTensorNames.ExpertFromHuggingFace(hfName) is { } slot)
            {
                (experts.TryGetValue(slot.GgufName, out var slots) ? slots : experts[slot.GgufName] = [])[slot.Expert] = hfName;
            }
            else if (GgufTensorNames.FromHuggingFace(hfName) is { } ggufName)
            {
                mapped.Add(([hfName], ggufName));
            }
            else
            {
                unknown.Add(hfName);
            }
        }

        if (unknown.Count > 0)
        {
            throw new InvalidDataException($"{checkpoint.Directory}: tensors with no GGUF mapping: {string.Join(", ", unknown.Order(StringComparer.Ordinal).Take(8))}.");
        }

        foreach (var (ggufName, slots) in experts)
        {
            if (slots.Keys.Last() != slots.Count - 1)
            {
                throw new InvalidDataException($"{checkpoint.Directory}: {ggufName} stacks experts 0 to {slots.Keys.Last()}, but only {slots.Count} of them are in the checkpoint.");
            }

            mapped.Add(([.. slots.Values], ggufName));
        }

        return mapped.OrderBy(m => Rank(m.GgufName)).ThenBy(m => m.GgufName, StringComparer.Ordinal).ToList();

        static (int Group, int Layer) Rank(string name) => name switch
        {
            GgufTensorNames.TokenEmbedding => (0, 0),
            GgufTensorNames.OutputNorm => (2, 0),
            GgufTensorNames.Output => (3, 0),
            _ => (1, int.Parse(name.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture)),
        };
    }

    /// <summary>One projection of every expert, [E, rows, cols], expert by expert, in the output type.</summary>
    private static GgufTensorData StackedExperts(IReadOnlyList<TensorView> views, string ggufName, GgufOutputType outputType)
    {
        var shape = views[0].Shape;
        if (shape.Count != 2 || views.Any(v => !v.Shape.SequenceEqual(shape)))
        {
            throw new InvalidDataException($"{ggufName}: the experts' matrices must all have one 2-D shape, got {string.Join(", ", views.Select(v => TensorSpec.FormatShape(v.Shape)).Distinct())}.");
        }

        var type = outputType.MatrixType();
        var info = GgufTensorInfo.FromRowMajor(ggufName, type, [views.Count, shape[0], shape[1]]);
        return new GgufTensorData(info, stream =>
        {
            foreach (var view in views)
            {
                WriteRows(stream, view, type, checked((int)shape[0]), shape[1], null);
            }
        });
    }

    private static GgufTensorData TensorData(TensorView view, string ggufName, HfModelConfig config, GgufArchitecture architecture, GgufOutputType outputType)
    {
        var shape = view.Shape;
        // convert_hf_to_gguf.py keeps a router (ffn_gate_inp) in F32, and llama.cpp reads Qwen2-MoE's shared expert gate
        // ([1, H] in transformers) as the F32 vector [H].
        if (ggufName.EndsWith(SharedExpertGate, StringComparison.Ordinal) && shape.Count == 2 && shape[0] == 1)
        {
            shape = [shape[1]];
        }

        bool vector = shape.Count <= 1 || ggufName.EndsWith("_norm.weight", StringComparison.Ordinal);
        var type = vector || ggufName.EndsWith(Router, StringComparison.Ordinal) ? GgmlType.F32 : outputType.MatrixType();
        int rows = shape.Count <= 1 ? 1 : checked((int)shape[0]);
        long rowLength = view.ElementCount / rows;
        int[]? source = null;
        if (architecture.PermuteQueryKey && ggufName.Contains(".attn_q.", StringComparison.Ordinal))
        {
            source = RowPermutation.InterleaveHalves(checked((int)shape[0]), config.NumAttentionHeads);
        }
        else if (architecture.PermuteQueryKey && ggufName.Contains(".attn_k.", StringComparison.Ordinal))
        {
            source = RowPermutation.InterleaveHalves(checked((int)shape[0]), config.NumKeyValueHeads);
        }

        // A 1-D bias is one row per element when it is permuted with its weight.
        if (source is not null && shape.Count == 1)
        {
            rows = checked((int)shape[0]);
            rowLength = 1;
        }

        var info = GgufTensorInfo.FromRowMajor(ggufName, type, shape);
        return new GgufTensorData(info, stream => WriteRows(stream, view, type, rows, rowLength, source));
    }

    private static void WriteRows(Stream stream, TensorView view, GgmlType type, int rows, long rowLength, int[]? source)
    {
        int rowsPerChunk = (int)Math.Clamp(ChunkBytes / (rowLength * 4), 1, rows);
        var values = new float[rowsPerChunk * rowLength];
        var half = type == GgmlType.F16 ? new Half[values.Length] : null;
        var bf16 = type == GgmlType.BF16 ? new ushort[values.Length] : null;
        for (int first = 0; first < rows; first += rowsPerChunk)
        {
            int count = Math.Min(rowsPerChunk, rows - first);
            var chunk = values.AsSpan(0, (int)(count * rowLength));
            for (int r = 0; r < count; r++)
            {
                long sourceRow = source?[first + r] ?? first + r;
                view.CopyTo(chunk.Slice((int)(r * rowLength), (int)rowLength), sourceRow * rowLength);
            }

            switch (type)
            {
                case GgmlType.F32:
                    stream.Write(MemoryMarshal.AsBytes(chunk));
                    break;
                case GgmlType.F16:
                    TensorPrimitives.ConvertToHalf(chunk, half.AsSpan(0, chunk.Length));
                    stream.Write(MemoryMarshal.AsBytes(half.AsSpan(0, chunk.Length)));
                    break;
                default:
                    var words = bf16.AsSpan(0, chunk.Length);
                    for (int i = 0; i < chunk.Length; i++)
                    {
                        words[i] = BFloat16.FromSingle(chunk[i]);
                    }

                    stream.Write(MemoryMarshal.AsBytes(words));
                    break;
            }
        }
    }
}
