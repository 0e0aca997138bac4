using System.IO.MemoryMappedFiles;
using Inference.Gguf;

namespace Worker.Runtime.Checkpoints;

/// <summary>
/// The tensors of a memory-mapped GGUF file under their Hugging Face names (llama.cpp's names mapped back through
/// <see cref="GgufTensorNames"/>), in the element type stored: F32, F16, BF16, Q8_0 or another ggml block type (Q4_K, ...). For llama the Q and K
/// rows the converter interleaved for llama.cpp's RoPE are read back in transformers' order, through a row order,
/// without a copy. A mixture of experts' stacked tensors (ffn_*_exps [E, rows, cols]) are viewed as each expert's
/// matrix, again without a copy. rope_freqs.weight is the config's, not a weight, and is left out.
/// </summary>
public sealed unsafe class GgufCheckpoint : ITensorSource
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly Dictionary<string, TensorView> _tensors = new(StringComparer.Ordinal);

    private const string SharedExpertGate = "mlp.shared_expert_gate.weight";

    private GgufCheckpoint(GgufFile gguf)
    {
        Location = gguf.Path;
        _file = MemoryMappedFile.CreateFromFile(gguf.Path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
    }

    public string Location { get; }

    /// <summary>Maps the file's tensors; the header is the one already read.</summary>
    /// <param name="gguf">The file's header.</param>
    /// <param name="queryKeyHeads">For llama: the attention and KV head counts whose Q and K rows to un-permute; null for none.</param>
    /// <exception cref="InvalidDataException">A tensor has no Hugging Face name (the message names them).</exception>
    public static GgufCheckpoint Open(GgufFile gguf, (int Heads, int KvHeads)? queryKeyHeads)
    {
        ArgumentNullException.ThrowIfNull(gguf);
        var checkpoint = new GgufCheckpoint(gguf);
        try
        {
            var unknown = new List<string>();
            foreach (var info in gguf.Tensors)
            {
                if (info.Name == GgufTensorNames.RopeFrequencies)
                {
                    continue;
                }

                var shape = info.RowMajorShape.ToArray();
                byte* data = checkpoint._base + gguf.DataStart + info.Offset;
                if (GgufTensorNames.ExpertsToHuggingFace(info.Name) is { } expertName && shape.Length == 3)
                {
                    // [E, rows, cols] stacked experts: expert e's matrix is the e-th contiguous slice, viewed under its own name.
                    long[] matrix = shape[1..];
                    long sliceBytes = new TensorView(info.Name, DType(info), matrix, data).ByteLength;
                    for (int e = 0; e < shape[0]; e++)
                    {
                        checkpoint._tensors[expertName(e)] = new TensorView(expertName(e), DType(info), matrix, data + e * sliceBytes);
                    }

                    continue;
                }

                if (GgufTensorNames.ToHuggingFace(info.Name) is not { } name)
                {
                    unknown.Add(info.Name);
                    continue;
                }

                if (name.EndsWith(SharedExpertGate, StringComparison.Ordinal) && shape.Length == 1)
                {
                    shape = [1, shape[0]]; // llama.cpp stores Qwen2-MoE's shared expert gate [1, H] as the vector [H]
                }

                int[]? rowOrder = queryKeyHeads is { } heads ? RowOrder(info.Name, shape, heads) : null;
                checkpoint._tensors[name] = new TensorView(name, DType(info), shape, data, rowOrder);
            }

            if (unknown.Count > 0)
            {
                throw new InvalidDataException(
                    $"{gguf.Path}: tensors this worker has no use for: {string.Join(", ", unknown.Take(8))}{(unknown.Count > 8 ? ", ..." : "")}.");
            }

            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public TensorView Get(string name, params long[] expectedShape)
    {
        if (!_tensors.TryGetValue(name, out var tensor))
        {
            throw new InvalidDataException(
                $"GGUF file {Location} is missing tensor '{GgufTensorNames.FromHuggingFace(name) ?? name}' ({name}, expected shape {TensorSpec.FormatShape(expectedShape)}).");
        }

        if (!tensor.Shape.SequenceEqual(expectedShape))
        {
            throw new InvalidDataException(
                $"GGUF tensor '{GgufTensorNames.FromHuggingFace(name)}' has shape {TensorSpec.FormatShape(tensor.Shape)}, expected {TensorSpec.FormatShape(expectedShape)} from the file's metadata.");
        }

        return tensor;
    }

    private static TensorDType DType(GgufTensorInfo info) => info.Type switch
    {
        GgmlType.F32 => TensorDType.F32,
        GgmlType.F16 => TensorDType.F16,
        GgmlType.BF16 => TensorDType.BF16,
        GgmlType.Q8_0 => TensorDType.Q8_0,
        GgmlType.Q4_0 => TensorDType.Q4_0,
        GgmlType.Q4_1 => TensorDType.Q4_1,
        GgmlType.Q5_0 => TensorDType.Q5_0,
        GgmlType.Q5_1 => TensorDType.Q5_1,
        GgmlType.Q4_K => TensorDType.Q4_K,
        GgmlType.Q5_K => TensorDType.Q5_K,
        GgmlType.Q6_K => TensorDType.Q6_K,
        _ => throw new InvalidDataException($"GGUF tensor '{info.Name}' has type {info.Type}; this worker reads F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K and Q6_K."),
    };

    /// <summary>llama's attn_q / attn_k weight (and bias) rows, as the converter wrote them, back in transformers' order.</summary>
    private static int[]? RowOrder(string ggufName, long[] shape, (int Heads, int KvHeads) heads)
    {
        int? count = ggufName.Contains(".attn_q.", StringComparison.Ordinal) ? heads.Heads
            : ggufName.Contains(".attn_k.", StringComparison.Ordinal) ? heads.KvHeads
            : null;
        return count is { } h ? RowPermutation.Inverse(RowPermutation.InterleaveHalves(checked((int)shape[0]), h)) : null;
    }

    public void Dispose()
    {
        if (_base != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }

        _view.Dispose();
        _file.Dispose();
    }
}
