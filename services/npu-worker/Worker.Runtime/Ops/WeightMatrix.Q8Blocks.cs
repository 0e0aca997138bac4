using Worker.Runtime.Checkpoints;
using Worker.Runtime.Ops.Quantization;

namespace Worker.Runtime.Ops;

/// <summary>A matrix stored as ggml Q8_0 blocks (a GGUF file) is held as those blocks, never dequantized.</summary>
public sealed unsafe partial class WeightMatrix
{
    /// <summary>Splits each 34-byte block (fp16 scale, 32 int8) into the quants row and the scales row, row by row in the tensor's row order.</summary>
    /// <exception cref="InvalidDataException">The row length is not a whole number of blocks.</exception>
    private static WeightMatrix FromQ8Blocks(TensorView tensor, int rows, int cols)
    {
        if (cols % Q8Block.Size != 0)
        {
            throw new InvalidDataException($"Q8_0 tensor '{tensor.Name}' has rows of {cols} elements, not a multiple of {Q8Block.Size}.");
        }

        int blocks = cols / Q8Block.Size;
        var q = GC.AllocateUninitializedArray<sbyte>(checked(rows * cols), pinned: true);
        var scales = GC.AllocateUninitializedArray<ushort>(checked(rows * blocks), pinned: true);
        for (int r = 0; r < rows; r++)
        {
            byte* row = tensor.Row(r);
            for (int b = 0; b < blocks; b++)
            {
                byte* block = row + b * TensorView.Q8BlockBytes;
                scales[r * blocks + b] = *(ushort*)block;
                new ReadOnlySpan<sbyte>(block + 2, Q8Block.Size).CopyTo(q.AsSpan(r * cols + b * Q8Block.Size, Q8Block.Size));
            }
        }

        return new WeightMatrix(rows, cols, null, null, q, scales);
    }
}
