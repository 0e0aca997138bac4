namespace Inference.Gguf;

/// <summary>
/// A tensor's entry in the file. <see cref="Dimensions"/> are in ggml order: ne[0] first, the innermost (row length),
/// so a PyTorch weight of shape [out, in] has dimensions [in, out]. <see cref="Offset"/> is from the data start.
/// </summary>
public sealed record GgufTensorInfo(string Name, GgmlType Type, IReadOnlyList<long> Dimensions, long Offset = 0)
{
    /// <summary>A tensor described by its row-major (PyTorch, safetensors) shape.</summary>
    public static GgufTensorInfo FromRowMajor(string name, GgmlType type, IReadOnlyList<long> shape) =>
        new(name, type, shape.Reverse().ToArray());

    /// <summary>The row-major (PyTorch, safetensors) shape: the dimensions reversed.</summary>
    public IReadOnlyList<long> RowMajorShape => Dimensions.Reverse().ToArray();

    public long ElementCount => Dimensions.Aggregate(1L, (product, d) => product * d);

    /// <exception cref="InvalidDataException">The row length is not a whole number of the type's blocks.</exception>
    public long ByteSize => GgmlTypeSize.TensorBytes(Type, Dimensions.Count == 0 ? 1 : Dimensions[0],
        Dimensions.Skip(1).Aggregate(1L, (product, d) => product * d));
}
