using Worker.Runtime.Checkpoints;
using Worker.Runtime.Ops.Quantization;

namespace Worker.Runtime.Ops;

/// <summary>A matrix stored as ggml Q8_0 blocks (a GGUF file) is held as those blocks, never dequantized.</summary>
public sealed unsafe partial class WeightMatrix
{
    /// <summary>Splits each 34-byte block (fp16 scale, 32 int8) into the quants and the scales of rows [first, ...), row by row in the tensor's row order.</summary>
    /// <exception cref="InvalidDataException">The row length is not a whole number of blocks.</exception>
    private void CopyQ8Blocks(TensorView tensor, int first)
    {
        int rows = (int)tensor.Shape[0];
        int cols = (int)tensor.Shape[1];
        if (cols % Q8Block.Size != 0)
        {
            throw new InvalidDataException($"Q8_0 tensor '{tensor.Name}' has rows of {cols} elements, not a multiple of {Q8Block.Size}.");
        }

        int blocks = cols / Q8Block.Size;
        for (int r = 0; r < rows; r++)
        {
            byte* row = tensor.Row(r);
            sbyte* q = Q8Row(first + r);
            ushort* scales = Q8RowScales(first + r);
            for (int b = 0; b < blocks; b++)
            {
                byte* block = row + b * TensorView.Q8BlockBytes;
                scales[b] = *(ushort*)block;
                new ReadOnlySpan<sbyte>(block + 2, Q8Block.Size).CopyTo(new Span<sbyte>(q + b * Q8Block.Size, Q8Block.Size));
            }
        }
    }
}
