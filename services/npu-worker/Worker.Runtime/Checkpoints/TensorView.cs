using Inference.Gguf;
using Worker.Runtime.Ops;

namespace Worker.Runtime.Checkpoints;

/// <summary>
/// A tensor inside a memory-mapped file; valid while its checkpoint is open. Rows are the first dimension (a 1-D
/// tensor is one element a row). With a row order, logical row r is stored at row <c>rowOrder[r]</c> of the file
/// (a GGUF file keeps llama's Q and K rows permuted); readers go through <see cref="Row"/> or <see cref="CopyTo"/>.
/// </summary>
public sealed unsafe class TensorView(string name, TensorDType dtype, long[] shape, byte* data, int[]? rowOrder = null)
{
    /// <summary>Elements in one Q8_0 block.</summary>
    public const int Q8BlockSize = 32;

    /// <summary>Bytes of one Q8_0 block: the fp16 scale, then 32 int8 values.</summary>
    public const int Q8BlockBytes = 2 + Q8BlockSize;

    public string Name { get; } = name;
    public TensorDType DType { get; } = dtype;
    public IReadOnlyList<long> Shape { get; } = shape;
    public long ElementCount { get; } = shape.Aggregate(1L, (p, d) => p * d);
    public byte* Data { get; } = data;

    /// <summary>Bytes of the tensor in the file (rows of <see cref="RowBytes"/>).</summary>
    public long ByteLength => Shape.Count == 0 ? RowBytes : Shape[0] * RowBytes;

    /// <summary>Lets the OS drop the tensor's mapped pages from the resident set (after its bytes were copied out).</summary>
    public void ReleaseMappedPages() => PageAdvice.ReleaseResident(Data, ByteLength);

    /// <summary>Elements in one row (the product of the dimensions after the first).</summary>
    public long RowLength => Shape.Count == 0 ? 1 : ElementCount / Shape[0];

    /// <summary>Bytes of one stored row.</summary>
    public long RowBytes => DType switch
    {
        TensorDType.F32 => RowLength * 4,
        TensorDType.BF16 or TensorDType.F16 => RowLength * 2,
        _ => RowLength / GgmlTypeSize.BlockElements(DType.BlockType()!.Value) * GgmlTypeSize.BlockBytes(DType.BlockType()!.Value),
    };

    /// <summary>The stored bytes of logical row r.</summary>
    public byte* Row(long row) => Data + (rowOrder is null ? row : rowOrder[row]) * RowBytes;

    /// <summary>Converts element range [first, first + destination.Length) to float32 (block types are dequantized, as ggml does).</summary>
    public void CopyTo(Span<float> destination, long first = 0)
    {
        if (rowOrder is null && DType.BlockType() is null)
        {
            CopyContiguous(Data, first, destination);
            return;
        }

        long rowLength = RowLength;
        int done = 0;
        while (done < destination.Length)
        {
            long element = first + done;
            long within = element % rowLength;
            int count = (int)Math.Min(rowLength - within, destination.Length - done);
            CopyContiguous(Row(element / rowLength), within, destination.Slice(done, count));
            done += count;
        }
    }

    /// <summary>Elements [first, first + destination.Length) from <paramref name="start"/>, stored in order (within one row for block types).</summary>
    private void CopyContiguous(byte* start, long first, Span<float> destination)
    {
        if (DType.BlockType() is { } blocks && DType != TensorDType.Q8_0)
        {
            CopyBlocks(blocks, start, first, destination);
            return;
        }

        switch (DType)
        {
            case TensorDType.F32:
                new ReadOnlySpan<float>((float*)start + first, destination.Length).CopyTo(destination);
                break;
            case TensorDType.BF16:
                var bf16 = new ReadOnlySpan<ushort>((ushort*)start + first, destination.Length);
                for (int i = 0; i < bf16.Length; i++)
                {
                    destination[i] = BFloat16.ToSingle(bf16[i]);
                }

                break;
            case TensorDType.F16:
                var f16 = new ReadOnlySpan<Half>((Half*)start + first, destination.Length);
                for (int i = 0; i < f16.Length; i++)
                {
                    destination[i] = (float)f16[i];
                }

                break;
            case TensorDType.Q8_0:
                for (int i = 0; i < destination.Length; i++)
                {
                    long element = first + i;
                    byte* block = start + element / Q8BlockSize * Q8BlockBytes;
                    destination[i] = ((sbyte*)block)[2 + element % Q8BlockSize] * (float)*(Half*)block;
                }

                break;
            default:
                throw new InvalidOperationException($"Unsupported dtype {DType} for tensor '{Name}'.");
        }
    }

    /// <summary>Dequantizes every block that overlaps the range and keeps the overlapping values.</summary>
    private static void CopyBlocks(GgmlType type, byte* start, long first, Span<float> destination)
    {
        int blockElements = GgmlTypeSize.BlockElements(type), blockBytes = GgmlTypeSize.BlockBytes(type);
        Span<float> values = stackalloc float[blockElements];
        int done = 0;
        while (done < destination.Length)
        {
            long element = first + done;
            long block = element / blockElements;
            int within = (int)(element % blockElements);
            GgmlBlocks.Dequantize(type, new ReadOnlySpan<byte>(start + block * blockBytes, blockBytes), values);
            int count = Math.Min(blockElements - within, destination.Length - done);
            values.Slice(within, count).CopyTo(destination.Slice(done, count));
            done += count;
        }
    }
}
