using Inference.Abstractions.Execution;
using Scheduler.Core.KvCache;
using Scheduler.Core.Scheduling;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.KvCache;

public sealed class KvCacheManagerTests
{
    [Fact]
    public void AllocateSlots_ForAPrompt_AllocatesCeilOfTokensOverBlockSize()
    {
        var manager = new KvCacheManager(numBlocks: 10, blockSize: 4, enablePrefixCaching: false);
        var request = Requests.Make("a", promptLength: 13);

        var blocks = manager.AllocateSlots(request, 13)!;

        Assert.Equal([0, 1, 2, 3], blocks.Select(b => b.BlockId));
        Assert.Equal([0, 1, 2, 3], manager.GetBlocks("a").Select(b => b.BlockId));
    }

    [Fact]
    public void AllocateSlots_WithinTheLastBlock_ReturnsNoNewBlocks()
    {
        var manager = new KvCacheManager(10, 4, false);
        var request = Requests.Make("a", promptLength: 5);
        manager.AllocateSlots(request, 5);
        SetComputed(request, 5);

        var blocks = manager.AllocateSlots(request, 3)!;

        Assert.Empty(blocks);
        Assert.Equal([2], manager.AllocateSlots(request, 4)!.Select(b => b.BlockId));
    }

    [Fact]
    public void AllocateSlots_WhenPoolCannotSatisfy_ReturnsNullAndKeepsExistingBlocks()
    {
        var manager = new KvCacheManager(3, 4, false);
        var request = Requests.Make("a", promptLength: 8);
        manager.AllocateSlots(request, 8);
        SetComputed(request, 8);

        Assert.Null(manager.AllocateSlots(request, 8));
        Assert.Equal([0, 1], manager.GetBlocks("a").Select(b => b.BlockId));
        Assert.Equal(1, manager.Pool.NumFreeBlocks);
    }

    [Fact]
    public void Free_ReturnsTheRequestsBlocksTailFirst()
    {
        var manager = new KvCacheManager(6, 4, false);
        var request = Requests.Make("a", promptLength: 12);
        manager.AllocateSlots(request, 12);

        manager.Free(request);

        Assert.Equal([3, 4, 5, 2, 1, 0], manager.Pool.FreeQueue.Select(b => b.BlockId));
        Assert.Empty(manager.GetBlocks("a"));
    }

    [Fact]
    public void GetComputedBlocks_AfterAnIdenticalPrefixWasCached_ReturnsItsFullBlocks()
    {
        var manager = new KvCacheManager(10, 4, true);
        var first = Requests.Make("a", promptLength: 10);
        manager.AllocateSlots(first, 10);
        manager.CacheBlocks(first, 10);
        var second = Requests.FromTokens("b", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 50, 51]);

        var computed = manager.GetComputedBlocks(second);

        Assert.Equal([0, 1], computed.Blocks.Select(b => b.BlockId));
        Assert.Equal(8, computed.NumTokens);
    }

    [Theory]
    [InlineData(null, "tenant-a", 0)]
    [InlineData("tenant-a", null, 0)]
    [InlineData("tenant-a", "tenant-b", 0)]
    [InlineData("tenant-a", "tenant-a", 2)]
    public void GetComputedBlocks_SharesCachedPrefixesOnlyUnderTheSameCacheSalt(string? firstSalt, string? secondSalt, int sharedBlocks)
    {
        var manager = new KvCacheManager(10, 4, true);
        int[] prompt = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        var first = new EngineRequest("a", prompt, SamplingParams.Greedy, new StoppingCriteria(100), cacheSalt: firstSalt);
        manager.AllocateSlots(first, 10);
        manager.CacheBlocks(first, 10);
        var second = new EngineRequest("b", [.. prompt, 50, 51], SamplingParams.Greedy, new StoppingCriteria(100), cacheSalt: secondSalt);

        var computed = manager.GetComputedBlocks(second);

        Assert.Equal(sharedBlocks, computed.Blocks.Count);
    }

    [Theory]
    [InlineData(null, "sql-lora", 0)]
    [InlineData("sql-lora", null, 0)]
    [InlineData("sql-lora", "chat-lora", 0)]
    [InlineData("sql-lora", "sql-lora", 2)]
    public void GetComputedBlocks_SharesCachedPrefixesOnlyUnderTheSameLoraAdapter(string? firstLora, string? secondLora, int sharedBlocks)
    {
        var manager = new KvCacheManager(10, 4, true);
        int[] prompt = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        var first = new EngineRequest("a", prompt, SamplingParams.Greedy, new StoppingCriteria(100), loraName: firstLora);
        manager.AllocateSlots(first, 10);
        manager.CacheBlocks(first, 10);
        var second = new EngineRequest("b", [.. prompt, 50, 51], SamplingParams.Greedy, new StoppingCriteria(100), loraName: secondLora);

        var computed = manager.GetComputedBlocks(second);

        Assert.Equal(sharedBlocks, computed.Blocks.Count);
    }

    [Theory]
    [InlineData("tenant-a", null, "tenant-a", "sql-lora", 0)]
    [InlineData("tenant-a", "sql-lora", "tenant-b", "sql-lora", 0)]
    [InlineData("tenant-a", "sql-lora", "tenant-a", "sql-lora", 2)]
    public void GetComputedBlocks_UnderASaltAndAnAdapter_SharesOnlyWhenBothMatch(
        string firstSalt, string? firstLora, string secondSalt, string? secondLora, int sharedBlocks)
    {
        var manager = new KvCacheManager(10, 4, true);
        int[] prompt = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        var first = new EngineRequest("a", prompt, SamplingParams.Greedy, new StoppingCriteria(100), cacheSalt: firstSalt, loraName: firstLora);
        manager.AllocateSlots(first, 10);
        manager.CacheBlocks(first, 10);
        var second = new EngineRequest("b", prompt, SamplingParams.Greedy, new StoppingCriteria(100), cacheSalt: secondSalt, loraName: secondLora);

        var computed = manager.GetComputedBlocks(second);

        Assert.Equal(sharedBlocks, computed.Blocks.Count);
    }

    [Fact]
    public void GetComputedBlocks_ForAFullyCachedPrompt_LeavesTheLastBlockToCompute()
    {
        var manager = new KvCacheManager(10, 4, true);
        var first = Requests.Make("a", promptLength: 8);
        manager.AllocateSlots(first, 8);
        manager.CacheBlocks(first, 8);

        var computed = manager.GetComputedBlocks(Requests.Make("b", promptLength: 8));

        Assert.Equal([0], computed.Blocks.Select(b => b.BlockId));
    }

    [Fact]
    public void AllocateSlots_WithPrefixHits_SharesTheCachedBlocks()
    {
        var manager = new KvCacheManager(10, 4, true);
        var first = Requests.Make("a", promptLength: 8);
        manager.AllocateSlots(first, 8);
        manager.CacheBlocks(first, 8);
        manager.Free(first);
        var second = Requests.Make("b", promptLength: 10);
        var computed = manager.GetComputedBlocks(second);

        var fresh = manager.AllocateSlots(second, 10 - computed.NumTokens, computed)!;

        Assert.Equal([2], fresh.Select(b => b.BlockId));
        Assert.Equal([0, 1, 2], manager.GetBlocks("b").Select(b => b.BlockId));
        Assert.Equal([3, 4, 5, 6, 7, 8, 9], manager.Pool.FreeQueue.Select(b => b.BlockId));
    }

    [Fact]
    public void GetComputedBlocks_AfterTheBlockWasEvicted_FindsNothing()
    {
        var manager = new KvCacheManager(2, 4, true);
        var first = Requests.Make("a", promptLength: 5);
        manager.AllocateSlots(first, 5);
        manager.CacheBlocks(first, 5);
        manager.Free(first);
        var other = Requests.Make("x", promptLength: 8, firstToken: 500);
        manager.AllocateSlots(other, 8);

        Assert.Empty(manager.GetComputedBlocks(Requests.Make("b", promptLength: 5)).Blocks);
    }

    // The scheduler advances the computed count once a step is planned; these tests stand in for it.
    private static void SetComputed(Scheduler.Core.Scheduling.EngineRequest request, int value) => request.NumComputedTokens = value;
}
