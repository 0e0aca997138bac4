namespace Scheduler.Core.KvCache;

/// <summary>
/// Doubly linked list of free blocks in eviction order: allocation takes from the head (least recently
/// freed), freed blocks go to the tail, and a prefix-cache hit removes a block from the middle in O(1).
/// </summary>
public sealed class FreeBlockQueue
{
    private KvBlock? _head;
    private KvBlock? _tail;

    public FreeBlockQueue(IEnumerable<KvBlock> blocks)
    {
        foreach (var block in blocks)
        {
            Append(block);
        }
    }

    public int Count { get; private set; }

    public KvBlock PopFront()
    {
        var block = _head ?? throw new InvalidOperationException("No free blocks.");
        Remove(block);
        return block;
    }

    public void Append(KvBlock block)
    {
        if (block.IsInFreeQueue)
        {
            throw new InvalidOperationException($"Block {block.BlockId} is already in the free queue.");
        }

        block.PreviousFree = _tail;
        block.NextFree = null;
        if (_tail is null)
        {
            _head = block;
        }
        else
        {
            _tail.NextFree = block;
        }

        _tail = block;
        block.IsInFreeQueue = true;
        Count++;
    }

    public void Remove(KvBlock block)
    {
        if (!block.IsInFreeQueue)
        {
            throw new InvalidOperationException($"Block {block.BlockId} is not in the free queue.");
        }

        if (block.PreviousFree is null)
        {
            _head = block.NextFree;
        }
        else
        {
            block.PreviousFree.NextFree = block.NextFree;
        }

        if (block.NextFree is null)
        {
            _tail = block.PreviousFree;
        }
        else
        {
            block.NextFree.PreviousFree = block.PreviousFree;
        }

        block.PreviousFree = null;
        block.NextFree = null;
        block.IsInFreeQueue = false;
        Count--;
    }

    /// <summary>The blocks from head (next to allocate) to tail.</summary>
    public IEnumerable<KvBlock> InOrder()
    {
        for (var block = _head; block is not null; block = block.NextFree)
        {
            yield return block;
        }
    }
}
