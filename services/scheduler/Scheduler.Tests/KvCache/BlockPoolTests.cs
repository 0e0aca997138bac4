using Scheduler.Core.KvCache;

namespace Scheduler.Tests.KvCache;

public sealed class BlockPoolTests
{
    private static BlockHash Hash(params int[] tokens) => BlockHash.Compute(null, tokens);

    [Fact]
    public void Allocate_FromFreshPool_ReturnsBlocksInIdOrder()
    {
        var pool = new BlockPool(10, enablePrefixCaching: true);

        var blocks = pool.Allocate(4)!;

        Assert.Equal([0, 1, 2, 3], blocks.Select(b => b.BlockId));
        Assert.All(blocks, b => Assert.Equal(1, b.RefCount));
        Assert.Equal(6, pool.NumFreeBlocks);
        Assert.Equal([4, 5, 6, 7, 8, 9], pool.FreeQueue.Select(b => b.BlockId));
    }

    [Fact]
    public void Allocate_WhenPoolHasTooFewFreeBlocks_ReturnsNullAndTakesNothing()
    {
        var pool = new BlockPool(4, enablePrefixCaching: false);
        pool.Allocate(3);

        Assert.Null(pool.Allocate(2));
        Assert.Equal(1, pool.NumFreeBlocks);
    }

    [Fact]
    public void Free_AppendsBlocksToTheTailInTheGivenOrder()
    {
        var pool = new BlockPool(6, enablePrefixCaching: false);
        var first = pool.Allocate(3)!;
        var second = pool.Allocate(2)!;

        pool.Free(first.Reverse());
        pool.Free(second.Reverse());

        Assert.Equal([5, 2, 1, 0, 4, 3], pool.FreeQueue.Select(b => b.BlockId));
        Assert.Equal([5, 2], pool.Allocate(2)!.Select(b => b.BlockId));
    }

    [Fact]
    public void Free_SharedBlock_StaysHeldUntilTheLastHolderFrees()
    {
        var pool = new BlockPool(3, enablePrefixCaching: true);
        var block = pool.Allocate(1)![0];
        pool.Touch([block]);

        pool.Free([block]);
        Assert.Equal(1, block.RefCount);
        Assert.Equal([1, 2], pool.FreeQueue.Select(b => b.BlockId));

        pool.Free([block]);
        Assert.Equal([1, 2, 0], pool.FreeQueue.Select(b => b.BlockId));
    }

    [Fact]
    public void Touch_FreeCachedBlock_TakesItOutOfTheFreeQueue()
    {
        var pool = new BlockPool(4, enablePrefixCaching: true);
        var blocks = pool.Allocate(2)!;
        pool.CacheFullBlock(blocks[0], Hash(1, 2));
        pool.Free(blocks.Reverse());

        var hit = pool.GetCachedBlock(Hash(1, 2));
        Assert.Same(blocks[0], hit);
        pool.Touch([hit!]);

        Assert.Equal(1, hit!.RefCount);
        Assert.Equal([2, 3, 1], pool.FreeQueue.Select(b => b.BlockId));
    }

    [Fact]
    public void Allocate_ReusingAFreedCachedBlock_EvictsItsHash()
    {
        var pool = new BlockPool(1, enablePrefixCaching: true);
        var block = pool.Allocate(1)![0];
        pool.CacheFullBlock(block, Hash(7));
        pool.Free([block]);

        var again = pool.Allocate(1)![0];

        Assert.Same(block, again);
        Assert.Null(again.Hash);
        Assert.Null(pool.GetCachedBlock(Hash(7)));
        Assert.Equal(0, pool.NumCachedBlocks);
    }

    [Fact]
    public void CacheFullBlock_WhenPrefixCachingIsDisabled_CachesNothing()
    {
        var pool = new BlockPool(2, enablePrefixCaching: false);
        var block = pool.Allocate(1)![0];

        pool.CacheFullBlock(block, Hash(3));

        Assert.Null(pool.GetCachedBlock(Hash(3)));
    }

    [Fact]
    public void Free_BlockNotHeld_Throws()
    {
        var pool = new BlockPool(2, enablePrefixCaching: false);

        Assert.Throws<InvalidOperationException>(() => pool.Free([pool[0]]));
    }

    [Fact]
    public void Compute_HashDependsOnParent()
    {
        var parent = Hash(1, 2);

        Assert.NotEqual(BlockHash.Compute(parent, [3, 4]), Hash(3, 4));
        Assert.Equal(BlockHash.Compute(parent, [3, 4]), BlockHash.Compute(Hash(1, 2), [3, 4]));
    }
}
