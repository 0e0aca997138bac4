namespace Scheduler.Core.KvCache;

/// <summary>One block of a device's paged KV memory, as the scheduler tracks it.</summary>
public sealed class KvBlock(int blockId)
{
    public int BlockId { get; } = blockId;

    /// <summary>Requests holding this block. A block with no holder sits in the free queue and may still
    /// serve prefix-cache hits until it is evicted.</summary>
    public int RefCount { get; internal set; }

    /// <summary>Set while the block is full and registered in the prefix cache.</summary>
    public BlockHash? Hash { get; internal set; }

    // Links of the free queue; kept on the block so removal from the middle is O(1), as in vLLM.
    internal KvBlock? PreviousFree { get; set; }
    internal KvBlock? NextFree { get; set; }
    internal bool IsInFreeQueue { get; set; }

    public override string ToString() => $"KvBlock({BlockId}, ref={RefCount})";
}
