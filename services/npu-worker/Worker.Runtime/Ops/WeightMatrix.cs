using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Ops.Quantization;

namespace Worker.Runtime.Ops;

/// <summary>
/// A [Rows, Cols] weight in pinned memory. BF16 checkpoints stay BF16 (half the memory traffic of fp32; kernels
/// widen with a 16-bit shift), row-major or in 16-row panels (<see cref="Bf16Layout"/>: the layout the path's kernels
/// read); F16 and F32 checkpoints are held as fp32, row-major. With
/// <see cref="WeightQuantization.Q8_0"/> any of them is quantized at load, row by row straight from the mapped
/// file, into Q8_0 blocks (int8 rows padded to whole blocks, one fp16 scale per block); no other copy is kept.
/// A GGUF file's Q8_0 tensor is taken as its blocks are (WeightMatrix.Q8Blocks.cs).
/// </summary>
public sealed unsafe partial class WeightMatrix
{
    private readonly AlignedBuffer<ushort>? _bf16;
    private readonly AlignedBuffer<float>? _f32;
    private readonly AlignedBuffer<sbyte>? _q8;
    private readonly AlignedBuffer<ushort>? _q8Scales;

    /// <summary>Bytes before each row's quants holding its scales, in the rows layout; 0 in the split layout.</summary>
    private readonly int _q8ScaleBytes;

    /// <summary>Bytes from one row to the next: whole cache lines in the rows layout, the row length in the split one.</summary>
    private readonly int _q8RowStride;

    private WeightMatrix(int rows, int cols, AlignedBuffer<ushort>? bf16, AlignedBuffer<float>? f32, Bf16Layout layout = Bf16Layout.Rows)
    {
        Rows = rows;
        Cols = cols;
        _bf16 = bf16;
        _f32 = f32;
        Bf16Layout = layout;
    }

    /// <summary>An empty Q8_0 matrix in the layout its row length takes (see <see cref="Q8ScalesInRows"/>).</summary>
    private WeightMatrix(int rows, int cols)
    {
        Rows = rows;
        Cols = cols;
        int length = Q8RowLength;
        int blocks = length / Q8Block.Size;
        if (length <= Q8MatMul.MaxRowBytesForFourRowDecode)
        {
            _q8ScaleBytes = CacheLines(blocks * sizeof(ushort));
            _q8RowStride = CacheLines(_q8ScaleBytes + length);
            _q8 = new AlignedBuffer<sbyte>(checked(rows * _q8RowStride), hugePages: true);
        }
        else
        {
            _q8RowStride = length;
            _q8 = new AlignedBuffer<sbyte>(checked(rows * length), hugePages: true);
            _q8Scales = new AlignedBuffer<ushort>(checked(rows * blocks));
        }

        static int CacheLines(int bytes) => (bytes + AlignedBuffer<sbyte>.Alignment - 1) / AlignedBuffer<sbyte>.Alignment * AlignedBuffer<sbyte>.Alignment;
    }

    public int Rows { get; }
    public int Cols { get; }
    public bool IsBf16 => _bf16 is not null;
    public bool IsQ8 => _q8 is not null;

    /// <summary>"bf16", "fp32" or "q8_0": how the weight is held.</summary>
    public string Format => IsQ8 ? "q8_0" : IsBf16 ? "bf16" : "fp32";

    /// <summary>Bytes of weight data held in memory (for Q8_0 quants and scales, not the padding between rows).</summary>
    public long Bytes => IsQ8 ? (long)Rows * (Q8RowLength + Q8RowLength / Q8Block.Size * sizeof(ushort))
        : IsBf16 ? (long)Rows * Cols * sizeof(ushort) : (long)_f32!.Length * sizeof(float);

    /// <summary>How the BF16 values are laid out; only meaningful when IsBf16.</summary>
    public Bf16Layout Bf16Layout { get; }

    /// <summary>BF16 elements (row-major, or the panels one after another), starting on a cache line; only when IsBf16. Pinned, so the pointer is stable.</summary>
    public ushort* Bf16 => _bf16!.Pointer;

    /// <summary>Panels of 16 rows (the last one zero-padded); only in the <see cref="Bf16Layout.Panels"/> layout.</summary>
    public int Bf16PanelCount => (Rows + Bf16PanelTiles.Rows - 1) / Bf16PanelTiles.Rows;

    /// <summary>Panel p's values (Cols steps of 16 rows); only in the <see cref="Bf16Layout.Panels"/> layout.</summary>
    public ushort* Bf16Panel(int panel) => _bf16!.Pointer + (long)panel * Bf16PanelStride;

    /// <summary>Values from one panel to the next (Cols steps of 16 rows); only in the <see cref="Bf16Layout.Panels"/> layout.</summary>
    public long Bf16PanelStride => (long)Cols * Bf16PanelTiles.Rows;

    /// <summary>fp32 elements; only when neither IsBf16 nor IsQ8.</summary>
    public float* F32 => _f32!.Pointer;

    /// <summary>
    /// Q8_0 rows that the one-token decode reads four at a time (<see cref="Q8MatMul.MaxRowBytesForFourRowDecode"/>)
    /// hold their fp16 scales in the row, on the cache lines just before its quants, so each row is one stream from
    /// memory. Split apart (quants in one array, scales in another), a four-row pass ran eight streams, and the 0.5B
    /// decode step's matmuls took a median 8-15% longer (Zen 5, two threads, the two layouts alternated step by step in
    /// one process, three runs). Longer rows keep the split layout: their one-row decode measured 6-15% slower with
    /// the scales in the row.
    /// </summary>
    public bool Q8ScalesInRows => _q8ScaleBytes != 0;

    /// <summary>Bytes from one row's quants to the next's; only when IsQ8.</summary>
    public int Q8RowStride => _q8RowStride;

    /// <summary>Row r's Q8_0 quants (<see cref="Q8RowLength"/> bytes; on a cache line in the rows layout); only when IsQ8.</summary>
    public sbyte* Q8Row(int row) => _q8!.Pointer + (long)row * Q8RowStride + _q8ScaleBytes;

    /// <summary>Row r's Q8_0 scales as fp16 bits, Q8RowLength / 32 of them; only when IsQ8.</summary>
    public ushort* Q8RowScales(int row) => _q8Scales is { } scales
        ? scales.Pointer + (long)row * (Q8RowLength / Q8Block.Size)
        : (ushort*)(_q8!.Pointer + (long)row * Q8RowStride);

    /// <summary>Cols rounded up to whole Q8_0 blocks.</summary>
    public int Q8RowLength => Q8Block.PaddedLength(Cols);

    public static WeightMatrix FromTensor(TensorView tensor) => FromTensor(tensor, WeightQuantization.None);

    /// <exception cref="InvalidDataException">The tensor is not a 2-D matrix.</exception>
    public static WeightMatrix FromTensor(TensorView tensor, WeightQuantization quantization) => Stack([tensor], quantization);

    /// <summary>The tensor as a matrix whose BF16 values (if it stays BF16) take <paramref name="layout"/>.</summary>
    /// <exception cref="InvalidDataException">The tensor is not a 2-D matrix.</exception>
    public static WeightMatrix FromTensor(TensorView tensor, WeightQuantization quantization, Bf16Layout layout) => Stack([tensor], quantization, layout);

    /// <summary>
    /// <see cref="Stack(IReadOnlyList{TensorView}, WeightQuantization, Bf16Layout)"/> with BF16 values in the layout of
    /// the machine's path (<see cref="CpuIsaSelection.Selected"/>), the one the kernels built without a path run.
    /// </summary>
    /// <exception cref="InvalidDataException">A part is not a 2-D matrix, or the parts' row lengths differ.</exception>
    public static WeightMatrix Stack(IReadOnlyList<TensorView> parts, WeightQuantization quantization) =>
        Stack(parts, quantization, quantization == WeightQuantization.None && parts.All(p => p.DType == TensorDType.BF16)
            ? Bf16Layouts.For(CpuIsaSelection.Selected)
            : Bf16Layout.Rows);

    /// <summary>
    /// The matrices' rows one after another in one matrix (q, k and v projections as one QKV matrix; gate and up as
    /// one), so a matmul over them is one parallel pass that reads the activations once. Held as Q8_0 when asked or
    /// when any part is of a ggml block type (a GGUF file's Q8_0 blocks taken as they are, its Q4_K and the like
    /// requantized), as BF16 when every part is BF16, as fp32
    /// otherwise (BF16 in <paramref name="layout"/>). Each part is read straight from its mapped file; no other copy is
    /// made.
    /// </summary>
    /// <exception cref="InvalidDataException">A part is not a 2-D matrix, or the parts' row lengths differ.</exception>
    public static WeightMatrix Stack(IReadOnlyList<TensorView> parts, WeightQuantization quantization, Bf16Layout layout)
    {
        if (parts.Count == 0)
        {
            throw new ArgumentException("Stack needs at least one tensor.", nameof(parts));
        }

        int cols = Columns(parts[0]);
        long totalRows = 0;
        foreach (var part in parts)
        {
            if (Columns(part) != cols)
            {
                throw new InvalidDataException(
                    $"Tensor '{part.Name}' has rows of {part.Shape[1]} elements, '{parts[0].Name}' of {cols}; they cannot share one matrix.");
            }

            totalRows += part.Shape[0];
        }

        int rows = checked((int)totalRows);
        // A GGUF file's Q8_0 blocks are taken as they are; its other block types (Q4_K, Q6_K, ...) are dequantized and
        // requantized to Q8_0, which the kernels compute with: at most 8-bit rounding on top of the file's own.
        if (quantization == WeightQuantization.Q8_0 || parts.Any(p => p.DType.BlockType() is not null))
        {
            return StackQ8(parts, rows, cols);
        }

        if (parts.All(p => p.DType == TensorDType.BF16) && layout == Bf16Layout.Panels)
        {
            return StackBf16Panels(parts, rows, cols);
        }

        if (parts.All(p => p.DType == TensorDType.BF16))
        {
            var data = new AlignedBuffer<ushort>(checked(rows * cols), hugePages: true);
            int offset = 0;
            foreach (var part in parts)
            {
                for (int r = 0; r < part.Shape[0]; r++, offset++)
                {
                    new ReadOnlySpan<ushort>(part.Row(r), cols).CopyTo(data.Span.Slice(offset * cols, cols));
                }
            }

            return new WeightMatrix(rows, cols, data, null);
        }

        var values = new AlignedBuffer<float>(checked(rows * cols), hugePages: true);
        int first = 0;
        foreach (var part in parts)
        {
            int partRows = (int)part.Shape[0];
            part.CopyTo(values.Span.Slice(first * cols, partRows * cols));
            first += partRows;
        }

        return new WeightMatrix(rows, cols, null, values);
    }

    /// <exception cref="InvalidDataException">The tensor is not a 2-D matrix.</exception>
    private static int Columns(TensorView tensor)
    {
        if (tensor.Shape.Count != 2 || tensor.Shape[0] > int.MaxValue || tensor.Shape[1] > int.MaxValue)
        {
            throw new InvalidDataException($"Tensor '{tensor.Name}' must be a 2-D matrix, got shape {TensorSpec.FormatShape(tensor.Shape)}.");
        }

        return (int)tensor.Shape[1];
    }

    /// <summary>Row r widened to fp32 (the embedding lookup; a Q8_0 row is dequantized, q * d).</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        if (_q8 is not null)
        {
            var q = new ReadOnlySpan<sbyte>(Q8Row(row), Cols);
            var scales = new ReadOnlySpan<ushort>(Q8RowScales(row), Q8RowLength / Q8Block.Size);
            for (int i = 0; i < q.Length; i++)
            {
                destination[i] = q[i] * Q8Block.HalfToSingle(scales[i / Q8Block.Size]);
            }

            return;
        }

        if (_f32 is not null)
        {
            _f32.Span.Slice(row * Cols, Cols).CopyTo(destination);
            return;
        }

        if (Bf16Layout == Bf16Layout.Panels)
        {
            ushort* panel = Bf16Panel(row / Bf16PanelTiles.Rows) + row % Bf16PanelTiles.Rows;
            for (int i = 0; i < Cols; i++)
            {
                destination[i] = BFloat16.ToSingle(panel[(long)i * Bf16PanelTiles.Rows]);
            }

            return;
        }

        var source = _bf16!.Span.Slice(row * Cols, Cols);
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = BFloat16.ToSingle(source[i]);
        }
    }

    /// <summary>
    /// The parts' BF16 rows in 16-row panels (<see cref="Bf16Layout.Panels"/>): panels in parallel, each gathered from
    /// its 16 rows of the mapped files a stretch of values at a time.
    /// </summary>
    private static WeightMatrix StackBf16Panels(IReadOnlyList<TensorView> parts, int rows, int cols)
    {
        const int R = Bf16PanelTiles.Rows;
        var rowStarts = new nint[rows];
        int next = 0;
        foreach (var part in parts)
        {
            for (int r = 0; r < part.Shape[0]; r++)
            {
                rowStarts[next++] = (nint)part.Row(r);
            }
        }

        int panels = (rows + R - 1) / R;
        var data = new AlignedBuffer<ushort>(checked(panels * R * cols), hugePages: true);
        ushort* target = data.Pointer;
        Parallel.For(0, panels, panel =>
        {
            ushort* p = target + (long)panel * R * cols;
            for (int j = 0; j < R; j++)
            {
                int row = panel * R + j;
                ushort* source = row < rows ? (ushort*)rowStarts[row] : null;
                for (int kk = 0; kk < cols; kk++)
                {
                    p[(long)kk * R + j] = source is null ? (ushort)0 : source[kk];
                }
            }
        });

        return new WeightMatrix(rows, cols, data, null, Bf16Layout.Panels);
    }

    /// <summary>The parts' rows as Q8_0: blocks of Q8_0 tensors split as they are, other tensors quantized row by row.</summary>
    private static WeightMatrix StackQ8(IReadOnlyList<TensorView> parts, int rows, int cols)
    {
        var matrix = new WeightMatrix(rows, cols);
        int first = 0;
        foreach (var part in parts)
        {
            if (part.DType == TensorDType.Q8_0)
            {
                matrix.CopyQ8Blocks(part, first);
            }
            else
            {
                matrix.QuantizeRows(part, first);
            }

            first += (int)part.Shape[0];
        }

        return matrix;
    }

    /// <summary>Each of the tensor's rows widened to fp32 and quantized into rows [first, ...), rows in parallel; the mapped file is the only other copy.</summary>
    private void QuantizeRows(TensorView tensor, int first)
    {
        int rows = (int)tensor.Shape[0];
        int cols = (int)tensor.Shape[1];
        int length = Q8RowLength;
        int blocks = length / Q8Block.Size;
        const int RowsPerTask = 64;
        Parallel.For(0, (rows + RowsPerTask - 1) / RowsPerTask, () => new float[cols], (task, _, row) =>
        {
            for (int r = task * RowsPerTask; r < Math.Min(rows, (task + 1) * RowsPerTask); r++)
            {
                tensor.CopyTo(row, (long)r * cols);
                int target = first + r;
                Q8Block.QuantizeWeightRow(row, new Span<sbyte>(Q8Row(target), length), new Span<ushort>(Q8RowScales(target), blocks));
            }

            return row;
        }, _ => { });
    }
}
