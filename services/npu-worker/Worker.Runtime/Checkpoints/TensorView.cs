namespace Worker.Runtime.Checkpoints;

/// <summary>A tensor inside a memory-mapped file; valid while its checkpoint is open.</summary>
public sealed unsafe class TensorView(string name, TensorDType dtype, long[] shape, byte* data)
{
    public string Name { get; } = name;
    public TensorDType DType { get; } = dtype;
    public IReadOnlyList<long> Shape { get; } = shape;
    public long ElementCount { get; } = shape.Aggregate(1L, (p, d) => p * d);
    public byte* Data { get; } = data;

    /// <summary>Bytes of the tensor in the file.</summary>
    public long ByteLength => ElementCount * (DType == TensorDType.F32 ? 4 : 2);

    /// <summary>Lets the OS drop the tensor's mapped pages from the resident set (after its bytes were copied out).</summary>
    public void ReleaseMappedPages() => MappedPages.Release(Data, ByteLength);

    /// <summary>Converts element range [first, first + destination.Length) to float32.</summary>
    public void CopyTo(Span<float> destination, long first = 0)
    {
        switch (DType)
        {
            case TensorDType.F32:
                new ReadOnlySpan<float>((float*)Data + first, destination.Length).CopyTo(destination);
                break;
            case TensorDType.BF16:
                var bf16 = new ReadOnlySpan<ushort>((ushort*)Data + first, destination.Length);
                for (int i = 0; i < bf16.Length; i++)
                {
                    destination[i] = BFloat16.ToSingle(bf16[i]);
                }

                break;
            case TensorDType.F16:
                var f16 = new ReadOnlySpan<Half>((Half*)Data + first, destination.Length);
                for (int i = 0; i < f16.Length; i++)
                {
                    destination[i] = (float)f16[i];
                }

                break;
            default:
                throw new InvalidOperationException($"Unsupported dtype {DType} for tensor '{Name}'.");
        }
    }
}
