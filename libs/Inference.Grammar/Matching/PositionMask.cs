using System.Numerics;

namespace Inference.Grammar.Matching;

/// <summary>
/// The adaptive token mask cache entry of one position (a node with byte edges): the tokens accepted whatever lies
/// below the stack (dense bitmask when many, id list when few), and the context-dependent tokens, which leave the
/// position's rule before their last byte and are checked at runtime against the real stack. Rejected tokens are
/// everything else. Uncertain tokens are in byte order with the common prefix length to the previous one, so the
/// runtime walk reuses shared prefixes and skips whole rejected prefixes.
/// </summary>
internal sealed class PositionMask(ulong[]? dense, int[] accepted, int[] uncertain, int[] uncertainLcp)
{
    /// <summary>The accepted tokens as a bitmask (null when stored as <see cref="AcceptedIds"/>).</summary>
    public ulong[]? Dense { get; } = dense;

    public int[] AcceptedIds { get; } = accepted;

    public int[] Uncertain { get; } = uncertain;

    public int[] UncertainLcp { get; } = uncertainLcp;

    public int AcceptedCount => Dense is null ? AcceptedIds.Length : Dense.Sum(w => BitOperations.PopCount(w));

    public void OrAcceptedInto(Span<ulong> mask)
    {
        if (Dense is not null)
        {
            var words = Dense.AsSpan();
            for (int i = 0; i < words.Length; i++)
            {
                mask[i] |= words[i];
            }
            return;
        }
        foreach (int id in AcceptedIds)
        {
            mask[id >> 6] |= 1UL << (id & 63);
        }
    }
}
