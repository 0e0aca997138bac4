namespace Worker.Runtime.Checkpoints;

/// <summary>A tensor's Hugging Face name and shape (row-major).</summary>
public sealed record TensorSpec(string Name, long[] Shape)
{
    public long ElementCount => Shape.Aggregate(1L, (product, dim) => product * dim);

    public static string FormatShape(IReadOnlyList<long> shape) => $"[{string.Join(", ", shape)}]";
}
