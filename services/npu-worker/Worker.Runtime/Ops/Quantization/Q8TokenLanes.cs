using System.Runtime.Intrinsics;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// A matmul's activations quantized to Q8_0 blocks (<see cref="Q8Block.QuantizeActivations"/>) and laid out with the
/// tokens across vector lanes, for the lane tiles (<see cref="Q8LaneTilesAvx512"/>, <see cref="Q8ByteLaneTilesAvx2"/>): tokens go in groups of
/// <see cref="Lanes"/>; for each group, block b and value pair j (of 16) hold one int32 per lane, the token's two
/// quants as int16 (q[32b + 2j], q[32b + 2j + 1]), and block b holds one float scale per lane. In the quad layout
/// (<see cref="Q8ByteLaneTilesAvx2"/>) the same 16 int32 per block and lane hold the token's quants four to a lane
/// (quad j: q[32b + 4j .. 32b + 4j + 3] as bytes) and then their magnitudes. Lanes past the last token are zero.
/// Buffers grow to the largest input seen and are reused.
/// </summary>
internal sealed unsafe class Q8TokenLanes
{
    /// <summary>Value pairs in a block: each is one int32 lane of a pair-multiply (madd) step.</summary>
    public const int PairsPerBlock = Q8Block.Size / 2;

    /// <summary>Value quads in a block (quad layout): each is one int32 lane of a byte-multiply step.</summary>
    public const int QuadsPerBlock = Q8Block.Size / 4;

    private AlignedBuffer<int> _pairs = AlignedBuffer<int>.Empty;
    private AlignedBuffer<float> _scales = AlignedBuffer<float>.Empty;

    public int Tokens { get; private set; }
    public int Lanes { get; private set; }
    public int Blocks { get; private set; }
    public int Groups => (Tokens + Lanes - 1) / Lanes;

    /// <summary>Whether the groups hold quads and magnitudes (<see cref="Quads"/>) instead of int16 pairs.</summary>
    public bool QuadLayout { get; private set; }

    /// <summary>Sizes the buffers for tokens x cols in groups of lanes and zeroes the unused lanes of the last group.</summary>
    public void Prepare(int tokens, int cols, int lanes, bool quads = false)
    {
        QuadLayout = quads;
        Tokens = tokens;
        Lanes = lanes;
        Blocks = Q8Block.PaddedLength(cols) / Q8Block.Size;
        int groups = Groups;
        int pairs = checked(groups * Blocks * PairsPerBlock * lanes);
        if (_pairs.Length < pairs)
        {
            _pairs = new AlignedBuffer<int>(pairs);
        }

        if (_scales.Length < groups * Blocks * lanes)
        {
            _scales = new AlignedBuffer<float>(groups * Blocks * lanes);
        }

        int used = tokens - (groups - 1) * lanes;
        if (used < lanes)
        {
            int* lastPairs = Pairs(groups - 1);
            float* lastScales = Scales(groups - 1);
            for (int b = 0; b < Blocks; b++)
            {
                new Span<float>(lastScales + b * lanes + used, lanes - used).Clear();
                for (int j = 0; j < PairsPerBlock; j++)
                {
                    new Span<int>(lastPairs + (b * PairsPerBlock + j) * lanes + used, lanes - used).Clear();
                }
            }
        }
    }

    /// <summary>Group g's value pairs: block b, pair j, lane l at [(b * 16 + j) * Lanes + l].</summary>
    public int* Pairs(int group) => _pairs.Pointer + (long)group * Blocks * PairsPerBlock * Lanes;

    /// <summary>Group g's quads (quad layout): block b, quad j, lane l at [(b * 16 + j) * Lanes + l], the magnitudes at [(b * 16 + 8 + j) * Lanes + l].</summary>
    public int* Quads(int group) => Pairs(group);

    /// <summary>Group g's block scales: block b, lane l at [b * Lanes + l].</summary>
    public float* Scales(int group) => _scales.Pointer + (long)group * Blocks * Lanes;

    /// <summary>
    /// Quantizes the tokens of group g (rows of cols values from x, token t at x + t * cols) into their lanes: block by
    /// block, each token's 16 int32 of the block (pairs, or quads and magnitudes) into a row of a small scratch, then
    /// turned into lanes eight tokens by eight values at a time by in-register transposes. Scattered one int32 at a time
    /// before, this was 5.5% of a 128-token Q8_0 prefill on the AVX-512 path (perf); now 3.3%, mostly the quantizing.
    /// </summary>
    public void QuantizeGroup(int group, float* x, int cols)
    {
        int first = group * Lanes;
        int count = Math.Min(Lanes, Tokens - first);
        int* pairs = Pairs(group);
        float* scales = Scales(group);
        var padded = stackalloc float[Q8Block.Size];

        // Token l's 16 values of the current block at rows + l * 16; the rows of lanes past count stay zero.
        var rows = stackalloc int[Lanes * PairsPerBlock];
        new Span<int>(rows, Lanes * PairsPerBlock).Clear();
        for (int b = 0; b < Blocks; b++)
        {
            int start = b * Q8Block.Size;
            for (int lane = 0; lane < count; lane++)
            {
                float* block = x + (long)(first + lane) * cols + start;
                if (cols - start < Q8Block.Size)
                {
                    new Span<float>(padded, Q8Block.Size).Clear();
                    new ReadOnlySpan<float>(block, cols - start).CopyTo(new Span<float>(padded, Q8Block.Size));
                    block = padded;
                }

                scales[b * Lanes + lane] = Q8Block.QuantizeActivations(block, out var q);
                int* row = rows + lane * PairsPerBlock;
                if (QuadLayout)
                {
                    q.AsInt32().Store(row);
                    Vector256.Abs(q).AsInt32().Store(row + QuadsPerBlock);
                }
                else
                {
                    var (low, high) = Vector256.Widen(q);
                    low.AsInt32().Store(row);
                    high.AsInt32().Store(row + PairsPerBlock / 2);
                }
            }

            // rows[lane][j] -> the block's [j * Lanes + lane]: the shuffles move the int32 bits as they are.
            int* target = pairs + b * PairsPerBlock * Lanes;
            for (int lane0 = 0; lane0 < count; lane0 += 8)
            {
                for (int j0 = 0; j0 < PairsPerBlock; j0 += 8)
                {
                    float* r = (float*)(rows + lane0 * PairsPerBlock + j0);
                    Transpose8x8.Store(r, r + PairsPerBlock, r + 2 * PairsPerBlock, r + 3 * PairsPerBlock, r + 4 * PairsPerBlock,
                        r + 5 * PairsPerBlock, r + 6 * PairsPerBlock, r + 7 * PairsPerBlock, (float*)(target + j0 * Lanes + lane0), Lanes, 8);
                }
            }
        }
    }
}
