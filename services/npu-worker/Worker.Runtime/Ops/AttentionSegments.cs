using System.Numerics.Tensors;

namespace Worker.Runtime.Ops;

/// <summary>
/// Flash-decoding split of long contexts: with fewer (token, KV head) pairs than about 4 per thread, each
/// pair's context is cut into segments attended in parallel, each leaving per query head its max score m,
/// exp-sum l and unnormalised output o; merged as out = sum_s o_s e^(m_s - M) / sum_s l_s e^(m_s - M), M = max m_s.
/// Partial buffers grow on the first long decode and are reused after.
/// </summary>
internal sealed unsafe class AttentionSegments(int workers)
{
    /// <summary>Positions below which a segment is not worth a chunk of its own.</summary>
    public const int MinSegmentLength = 256;

    private float[] _outputs = [];
    private float[] _maxes = [];
    private float[] _sums = [];

    /// <summary>Segments per (token, KV head) for this batch; 1 = no split. Sizes the partial buffers.</summary>
    public int Plan(ForwardBatch batch, int kvHeads, int group, int headDim)
    {
        int pairs = batch.TokenCount * kvHeads;
        int target = 4 * workers;
        if (workers == 1 || pairs >= target)
        {
            return 1;
        }

        int longest = 0;
        foreach (int position in batch.Positions)
        {
            longest = Math.Max(longest, position + 1);
        }

        int segments = Math.Min((target + pairs - 1) / pairs, longest / MinSegmentLength);
        if (segments <= 1)
        {
            return 1;
        }

        int heads = pairs * segments * group;
        if (_maxes.Length < heads || _outputs.Length < heads * headDim)
        {
            _outputs = GC.AllocateUninitializedArray<float>(heads * headDim, pinned: true);
            _maxes = GC.AllocateUninitializedArray<float>(heads, pinned: true);
            _sums = GC.AllocateUninitializedArray<float>(heads, pinned: true);
        }

        return segments;
    }

    /// <summary>Positions per segment of a context, a multiple of the 8-key score tile.</summary>
    public static int Length(int context, int segments)
    {
        int length = (context + segments - 1) / segments;
        return (length + AttentionScores.ScoreTile - 1) / AttentionScores.ScoreTile * AttentionScores.ScoreTile;
    }

    /// <summary>Partial results of chunk (pair * segments + segment): group query heads of headDim outputs.</summary>
    public SegmentPartial Partial(int chunk, int group, int headDim)
    {
        fixed (float* outputs = _outputs)
        fixed (float* maxes = _maxes)
        fixed (float* sums = _sums)
        {
            // The arrays are pinned, so the pointers stay valid after the fixed block.
            return new SegmentPartial(outputs + (long)chunk * group * headDim, maxes + chunk * group, sums + chunk * group);
        }
    }

    /// <summary>Writes each pair's merged, normalised output: [pairs * group, headDim] rows from output.</summary>
    public void Merge(float* output, int pairs, int segments, int group, int headDim)
    {
        for (int pair = 0; pair < pairs; pair++)
        {
            for (int g = 0; g < group; g++)
            {
                float max = float.NegativeInfinity;
                for (int s = 0; s < segments; s++)
                {
                    max = Math.Max(max, _maxes[((pair * segments) + s) * group + g]);
                }

                float total = 0;
                for (int s = 0; s < segments; s++)
                {
                    int head = ((pair * segments) + s) * group + g;
                    total += _sums[head] * MathF.Exp(_maxes[head] - max);
                }

                var destination = new Span<float>(output + ((long)pair * group + g) * headDim, headDim);
                destination.Clear();
                for (int s = 0; s < segments; s++)
                {
                    int head = ((pair * segments) + s) * group + g;
                    float weight = MathF.Exp(_maxes[head] - max) / total;
                    TensorPrimitives.MultiplyAdd(_outputs.AsSpan(head * headDim, headDim), weight, destination, destination);
                }
            }
        }
    }
}
