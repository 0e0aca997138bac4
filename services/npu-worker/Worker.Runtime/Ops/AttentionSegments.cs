using System.Numerics.Tensors;

namespace Worker.Runtime.Ops;

/// <summary>
/// Flash-decoding split of long contexts: with fewer (token, KV head) pairs than about 4 per thread, each
/// pair's context is cut into segments attended in parallel, each leaving per query head its max score m,
/// exp-sum l and unnormalised output o; merged as out = sum_s o_s e^(m_s - M) / sum_s l_s e^(m_s - M), M = max m_s.
/// Partial buffers grow on the first long decode and are reused after. Each chunk's partial (outputs, maxes, sums)
/// sits on cache lines of its own: the threads rewrite theirs tile after tile, and a line shared with another chunk's
/// would move between the cores each time.
/// </summary>
internal sealed unsafe class AttentionSegments(int workers)
{
    /// <summary>Positions below which a segment is not worth a chunk of its own.</summary>
    public const int MinSegmentLength = 256;

    private const int FloatsPerLine = AlignedBuffer<float>.Alignment / sizeof(float);

    private AlignedBuffer<float> _partials = AlignedBuffer<float>.Empty;

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

        int floats = pairs * segments * Stride(group, headDim);
        if (_partials.Length < floats)
        {
            _partials = new AlignedBuffer<float>(floats);
        }

        return segments;
    }

    /// <summary>Positions per segment of a context, a multiple of the 16 keys a score vector holds.</summary>
    public static int Length(int context, int segments)
    {
        int length = (context + segments - 1) / segments;
        return (length + AttentionScores.Lanes - 1) / AttentionScores.Lanes * AttentionScores.Lanes;
    }

    /// <summary>Partial results of chunk (pair * segments + segment): group query heads of headDim outputs.</summary>
    public SegmentPartial Partial(int chunk, int group, int headDim)
    {
        float* outputs = _partials.Pointer + (long)chunk * Stride(group, headDim);
        float* maxes = outputs + WholeLines(group * headDim);
        return new SegmentPartial(outputs, maxes, maxes + WholeLines(group));
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
                    max = Math.Max(max, Partial(pair * segments + s, group, headDim).Maxes[g]);
                }

                float total = 0;
                for (int s = 0; s < segments; s++)
                {
                    var partial = Partial(pair * segments + s, group, headDim);
                    total += partial.Sums[g] * MathF.Exp(partial.Maxes[g] - max);
                }

                var destination = new Span<float>(output + ((long)pair * group + g) * headDim, headDim);
                destination.Clear();
                for (int s = 0; s < segments; s++)
                {
                    var partial = Partial(pair * segments + s, group, headDim);
                    float weight = MathF.Exp(partial.Maxes[g] - max) / total;
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(partial.Output + g * headDim, headDim), weight, destination, destination);
                }
            }
        }
    }

    /// <summary>Floats of one chunk's partial: its outputs, maxes and sums, each on whole cache lines.</summary>
    private static int Stride(int group, int headDim) => WholeLines(group * headDim) + 2 * WholeLines(group);

    private static int WholeLines(int floats) => (floats + FloatsPerLine - 1) / FloatsPerLine * FloatsPerLine;
}
