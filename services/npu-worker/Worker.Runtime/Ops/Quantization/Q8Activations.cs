using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// A matmul's input activations quantized to Q8_0 blocks (ggml's x86 rule: d = max|x| / 127 rounded to fp16,
/// q = round-to-even(x * 127 / max|x|)). Buffers grow to the largest input seen and are reused, so a step allocates
/// nothing once warm.
/// </summary>
internal sealed unsafe class Q8Activations
{
    private AlignedBuffer<sbyte> _q = AlignedBuffer<sbyte>.Empty;
    private AlignedBuffer<byte> _abs = AlignedBuffer<byte>.Empty;
    private float[] _blockScales = [];
    private float[] _blockSums = [];

    public int Tokens { get; private set; }
    public int PaddedCols { get; private set; }
    public int Blocks => PaddedCols / Q8Block.Size;

    /// <summary>Floats between two tokens' compact scales (the blocks rounded up to 8, for 8-wide loads).</summary>
    public int BlockScaleStride => (Blocks + 7) / 8 * 8;

    /// <summary>Sizes the buffers for tokens x cols; call before <see cref="QuantizeToken"/>.</summary>
    public void Prepare(int tokens, int cols)
    {
        Tokens = tokens;
        PaddedCols = Q8Block.PaddedLength(cols);
        int length = checked(tokens * PaddedCols);
        if (_q.Length < length)
        {
            _q = new AlignedBuffer<sbyte>(length);
            _abs = new AlignedBuffer<byte>(length);
        }

        if (_blockScales.Length < tokens * BlockScaleStride)
        {
            _blockScales = GC.AllocateArray<float>(tokens * BlockScaleStride, pinned: true);
            _blockSums = GC.AllocateArray<float>(tokens * BlockScaleStride, pinned: true);
        }
    }

    public Q8Token Token(int t)
    {
        long offset = (long)t * PaddedCols;
        return new Q8Token(_q.Pointer + offset, _abs.Pointer + offset);
    }

    /// <summary>Token t's block scales, one float per block (for <see cref="Q8Block.CombineScales"/>); zero past the last block.</summary>
    public float* BlockScales(int t) =>
        (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_blockScales)) + (long)t * BlockScaleStride;

    /// <summary>
    /// Token t's block sums times 128, one float per block (exact: |sum| &lt;= 32 * 127), where the CPU has AvxVnni
    /// (zero otherwise, and past the last block): the unsigned-weight decode kernel (<see cref="Q8Avx2DecodeKernel"/>)
    /// takes 128 * sum_b(q) back out of each block's product.
    /// </summary>
    public float* BlockSums(int t) =>
        (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_blockSums)) + (long)t * BlockScaleStride;

    /// <summary>Quantizes token t's row x (cols values); the padding of the last block is zero.</summary>
    public void QuantizeToken(int t, float* x, int cols)
    {
        var token = Token(t);
        float* blockScales = BlockScales(t);
        float* blockSums = BlockSums(t);
        new Span<float>(blockScales, BlockScaleStride).Clear();
        new Span<float>(blockSums, BlockScaleStride).Clear();
        var padded = stackalloc float[Q8Block.Size];
        for (int b = 0; b * Q8Block.Size < cols; b++)
        {
            int start = b * Q8Block.Size;
            if (cols - start >= Q8Block.Size)
            {
                blockScales[b] = QuantizeBlock(x + start, token, start, out blockSums[b]);
            }
            else
            {
                new Span<float>(padded, Q8Block.Size).Clear();
                new ReadOnlySpan<float>(x + start, cols - start).CopyTo(new Span<float>(padded, Q8Block.Size));
                blockScales[b] = QuantizeBlock(padded, token, start, out blockSums[b]);
            }
        }
    }

    /// <summary>Quantizes 32 values into token's q and |q| at start; returns the block's scale d and 128 * sum(q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float QuantizeBlock(float* x, Q8Token token, int start, out float sum128)
    {
        float d = Q8Block.QuantizeActivations(x, out var q, out int sum);
        q.Store(token.Q + start);
        Vector256.Abs(q).AsByte().Store(token.Abs + start);
        sum128 = AvxVnni.IsSupported ? 128 * sum : 0;
        return d;
    }
}
