using Worker.Runtime.Ops;

namespace Worker.Runtime.Lora;

/// <summary>
/// Adds the adapters' deltas to a base projection's output rows: for each adapter in the batch (rows grouped by
/// adapter, so its A and B stay in cache across its rows), y[i] += scale * B (A x[i]) at every row i of a sequence
/// that uses it. Rows of sequences without an adapter are not touched. The model calls it only when
/// <see cref="ForwardBatch.LoraAdapters"/> is non-empty, so a batch without adapters pays nothing.
/// </summary>
internal static class LoraDeltas
{
    /// <param name="x">The projection's input rows [T, xStride]; each row's first in_features values are read.</param>
    /// <param name="y">The projection's output rows [T, yStride]; the module's out_features values from yOffset are added to.</param>
    public static void Add(ForwardBatch batch, int layer, LoraTarget target, ReadOnlySpan<float> x, int xStride, Span<float> y, int yStride, int yOffset)
    {
        var sequenceOfToken = batch.SequenceOfToken;
        var adapters = batch.LoraAdapters;
        for (int a = 0; a < adapters.Count; a++)
        {
            var adapter = adapters[a];
            if (adapter.Module(layer, target) is not { } module)
            {
                continue;
            }

            for (int i = 0; i < sequenceOfToken.Length; i++)
            {
                if (ReferenceEquals(batch.LoraOf(sequenceOfToken[i]), adapter))
                {
                    module.AddDelta(x.Slice(i * xStride, module.InFeatures), y.Slice(i * yStride + yOffset, module.OutFeatures));
                }
            }
        }
    }
}
