using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Worker.Runtime.Checkpoints;

namespace Worker.Runtime.Ops;

/// <summary>
/// A [Rows, Cols] row-major weight in pinned memory. BF16 checkpoints stay BF16 (half the memory traffic of
/// fp32; kernels widen with a 16-bit shift); F16 and F32 checkpoints are held as fp32.
/// </summary>
public sealed unsafe class WeightMatrix
{
    private readonly ushort[]? _bf16;
    private readonly float[]? _f32;

    private WeightMatrix(int rows, int cols, ushort[]? bf16, float[]? f32)
    {
        Rows = rows;
        Cols = cols;
        _bf16 = bf16;
        _f32 = f32;
    }

    public int Rows { get; }
    public int Cols { get; }
    public bool IsBf16 => _bf16 is not null;

    /// <summary>BF16 elements; only when IsBf16. Pinned, so the pointer is stable.</summary>
    public ushort* Bf16 => (ushort*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_bf16!));

    /// <summary>fp32 elements; only when !IsBf16.</summary>
    public float* F32 => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_f32!));

    public static WeightMatrix FromTensor(TensorView tensor)
    {
        if (tensor.Shape.Count != 2 || tensor.Shape[0] > int.MaxValue || tensor.Shape[1] > int.MaxValue)
        {
            throw new InvalidDataException($"Tensor '{tensor.Name}' must be a 2-D matrix, got shape {TensorSpec.FormatShape(tensor.Shape)}.");
        }

        int rows = (int)tensor.Shape[0];
        int cols = (int)tensor.Shape[1];
        if (tensor.DType == TensorDType.BF16)
        {
            var data = GC.AllocateUninitializedArray<ushort>(checked(rows * cols), pinned: true);
            new ReadOnlySpan<ushort>(tensor.Data, data.Length).CopyTo(data);
            return new WeightMatrix(rows, cols, data, null);
        }

        var values = GC.AllocateUninitializedArray<float>(checked(rows * cols), pinned: true);
        tensor.CopyTo(values);
        return new WeightMatrix(rows, cols, null, values);
    }

    /// <summary>Row r widened to fp32 (the embedding lookup).</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        if (_f32 is not null)
        {
            _f32.AsSpan(row * Cols, Cols).CopyTo(destination);
            return;
        }

        var source = _bf16.AsSpan(row * Cols, Cols);
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = BFloat16.ToSingle(source[i]);
        }
    }
}
