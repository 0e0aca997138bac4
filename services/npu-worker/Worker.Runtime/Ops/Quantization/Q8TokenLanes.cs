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

    /// <summary>Quantizes the tokens of group g (rows of cols values from x, token t at x + t * cols) into their lanes.</summary>
    public void QuantizeGroup(int group, float* x, int cols)
    {
        int first = group * Lanes;
        int count = Math.Min(Lanes, Tokens - first);
        int* pairs = Pairs(group);
        float* scales = Scales(group);
        var padded = stackalloc float[Q8Block.Size];
        var quants = stackalloc int[PairsPerBlock];
        for (int lane = 0; lane < count; lane++)
        {
            float* token = x + (long)(first + lane) * cols;
            for (int b = 0; b < Blocks; b++)
            {
                int start = b * Q8Block.Size;
                float* block = token + start;
                if (cols - start < Q8Block.Size)
                {
                    new Span<float>(padded, Q8Block.Size).Clear();
                    new ReadOnlySpan<float>(block, cols - start).CopyTo(new Span<float>(padded, Q8Block.Size));
                    block = padded;
                }

                scales[b * Lanes + lane] = Q8Block.QuantizeActivations(block, out var q);
                if (QuadLayout)
                {
                    q.AsInt32().Store(quants);
                    Vector256.Abs(q).AsInt32().Store(quants + QuadsPerBlock);
                    int* quadTarget = pairs + b * PairsPerBlock * Lanes + lane;
                    for (int j = 0; j < PairsPerBlock; j++)
                    {
                        quadTarget[j * Lanes] = quants[j];
                    }

                    continue;
                }

                var (low, high) = Vector256.Widen(q);
                low.AsInt32().Store(quants);
                high.AsInt32().Store(quants + PairsPerBlock / 2);
                int* target = pairs + b * PairsPerBlock * Lanes + lane;
                for (int j = 0; j < PairsPerBlock; j++)
                {
                    target[j * Lanes] = quants[j];
                }
            }
        }
    }
}
