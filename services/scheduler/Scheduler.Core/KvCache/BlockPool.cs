namespace Scheduler.Core.KvCache;

/// <summary>
/// All KV blocks of one device: ref-counted, an LRU free queue, and a map from content hash to full
/// blocks for automatic prefix caching (vLLM's block_pool.py). Only the engine loop touches it.
/// </summary>
public sealed class BlockPool
{
    private readonly KvBlock[] _blocks;
    private readonly FreeBlockQueue _freeQueue;
    private readonly Dictionary<BlockHash, KvBlock> _cachedBlocks = [];

    public BlockPool(int numBlocks, bool enablePrefixCaching)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numBlocks, 1);
        _blocks = new KvBlock[numBlocks];
        for (var i = 0; i < numBlocks; i++)
        {
            _blocks[i] = new KvBlock(i);
        }

        _freeQueue = new FreeBlockQueue(_blocks);
        EnablePrefixCaching = enablePrefixCaching;
    }

    public bool EnablePrefixCaching { get; }

    public int NumBlocks => _blocks.Length;

    /// <summary>Blocks nobody holds, including cached ones that may still be evicted.</summary>
    public int NumFreeBlocks => _freeQueue.Count;

    /// <summary>Fraction of blocks held by requests, 0 to 1.</summary>
    public double Usage => 1.0 - (double)NumFreeBlocks / NumBlocks;

    public int NumCachedBlocks => _cachedBlocks.Count;

    public KvBlock this[int blockId] => _blocks[blockId];

    /// <summary>The free queue from head (allocated next) to tail.</summary>
    public IEnumerable<KvBlock> FreeQueue => _freeQueue.InOrder();

    /// <summary>Takes <paramref name="count"/> blocks from the head of the free queue, evicting their cached
    /// content; null when fewer are free (nothing is taken then).</summary>
    public IReadOnlyList<KvBlock>? Allocate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > _freeQueue.Count)
        {
            return null;
        }

        var blocks = new KvBlock[count];
        for (var i = 0; i < count; i++)
        {
            var block = _freeQueue.PopFront();
            Evict(block);
            block.RefCount = 1;
            blocks[i] = block;
        }

        return blocks;
    }

    /// <summary>A full block holding exactly this prefix, or null.</summary>
    public KvBlock? GetCachedBlock(BlockHash hash) =>
        _cachedBlocks.TryGetValue(hash, out var block) ? block : null;

    /// <summary>Adds a holder to each block (prefix-cache hits), taking free ones out of the free queue.</summary>
    public void Touch(IEnumerable<KvBlock> blocks)
    {
        foreach (var block in blocks)
        {
            if (block.RefCount == 0)
            {
                _freeQueue.Remove(block);
            }

            block.RefCount++;
        }
    }

    /// <summary>Drops one holder from each block; blocks nobody holds join the free queue's tail in the
    /// given order, so pass a request's blocks last-first to evict its tail before its shared prefix.</summary>
    public void Free(IEnumerable<KvBlock> blocksInEvictionOrder)
    {
        foreach (var block in blocksInEvictionOrder)
        {
            if (block.RefCount <= 0)
            {
                throw new InvalidOperationException($"Block {block.BlockId} is freed more often than it was held.");
            }

            block.RefCount--;
            if (block.RefCount == 0)
            {
                _freeQueue.Append(block);
            }
        }
    }

    /// <summary>Registers a full, computed block under its content hash so later requests can reuse it.</summary>
    public void CacheFullBlock(KvBlock block, BlockHash hash)
    {
        if (!EnablePrefixCaching || block.Hash is not null)
        {
            return;
        }

        // Another block may already hold the same prefix (two requests computed it in the same step);
        // the first stays the canonical copy and this one is reclaimed like any uncached block.
        if (_cachedBlocks.TryAdd(hash, block))
        {
            block.Hash = hash;
        }
    }

    /// <summary>Forgets all cached content; only possible while no block is held.</summary>
    public bool ResetPrefixCache()
    {
        if (_freeQueue.Count != NumBlocks)
        {
            return false;
        }

        foreach (var block in _blocks)
        {
            block.Hash = null;
        }

        _cachedBlocks.Clear();
        return true;
    }

    private void Evict(KvBlock block)
    {
        if (block.Hash is { } hash)
        {
            _cachedBlocks.Remove(hash);
            block.Hash = null;
        }
    }
}
