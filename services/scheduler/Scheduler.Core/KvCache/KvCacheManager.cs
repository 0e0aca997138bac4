using Scheduler.Core.Scheduling;

namespace Scheduler.Core.KvCache;

/// <summary>
/// Maps requests to their KV blocks (vLLM's kv_cache_manager.py): finds prefix-cache hits, allocates the
/// slots a step needs, registers computed full blocks for reuse, and frees a request's blocks.
/// </summary>
public sealed class KvCacheManager
{
    private readonly Dictionary<string, List<KvBlock>> _requestBlocks = [];
    private readonly Dictionary<string, int> _numCachedBlocks = [];

    public KvCacheManager(int numBlocks, int blockSize, bool enablePrefixCaching)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        BlockSize = blockSize;
        Pool = new BlockPool(numBlocks, enablePrefixCaching);
    }

    public BlockPool Pool { get; }

    public int BlockSize { get; }

    /// <summary>Fraction of blocks held by requests, 0 to 1.</summary>
    public double Usage => Pool.Usage;

    /// <summary>Blocks of a request, in order (empty when it holds none).</summary>
    public IReadOnlyList<KvBlock> GetBlocks(string requestId) =>
        _requestBlocks.TryGetValue(requestId, out var blocks) ? blocks : [];

    /// <summary>The longest run of the request's leading full blocks found in the prefix cache. At least
    /// one token is always left to compute, since the step must produce the next token's logits.</summary>
    public ComputedBlocks GetComputedBlocks(EngineRequest request)
    {
        if (!Pool.EnablePrefixCaching)
        {
            return ComputedBlocks.None;
        }

        var maxHitBlocks = (request.NumTokens - 1) / BlockSize;
        ExtendBlockHashes(request, maxHitBlocks);
        var hits = new List<KvBlock>();
        for (var i = 0; i < maxHitBlocks; i++)
        {
            var block = Pool.GetCachedBlock(request.BlockHashes[i]);
            if (block is null)
            {
                break;
            }

            hits.Add(block);
        }

        return hits.Count == 0 ? ComputedBlocks.None : new ComputedBlocks(hits, hits.Count * BlockSize);
    }

    /// <summary>How many of the request's leading tokens this pool would serve from its prefix cache, changing
    /// nothing: what placement compares across workers.</summary>
    public int CountCachedPrefixTokens(EngineRequest request)
    {
        if (!Pool.EnablePrefixCaching || Pool.NumCachedBlocks == 0)
        {
            return 0;
        }

        var maxHitBlocks = (request.NumTokens - 1) / BlockSize;
        ExtendBlockHashes(request, maxHitBlocks);
        var hits = 0;
        while (hits < maxHitBlocks && Pool.GetCachedBlock(request.BlockHashes[hits]) is not null)
        {
            hits++;
        }

        return hits * BlockSize;
    }

    /// <summary>
    /// Makes room for <paramref name="numNewTokens"/> more tokens after the request's computed ones (and
    /// after <paramref name="computed"/> prefix hits when it starts). Returns the newly allocated blocks,
    /// or null, changing nothing, when the pool cannot supply them.
    /// </summary>
    public IReadOnlyList<KvBlock>? AllocateSlots(EngineRequest request, int numNewTokens, ComputedBlocks? computed = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numNewTokens);
        computed ??= ComputedBlocks.None;
        _requestBlocks.TryGetValue(request.RequestId, out var held);
        var numHeld = held?.Count ?? 0;
        var totalTokens = request.NumComputedTokens + computed.NumTokens + numNewTokens;
        var numRequired = (totalTokens + BlockSize - 1) / BlockSize;
        var numToAllocate = Math.Max(0, numRequired - numHeld - computed.Blocks.Count);

        // Hits that sit in the free queue stop being allocatable once this request holds them.
        var numFreeHits = computed.Blocks.Count(b => b.RefCount == 0);
        if (numToAllocate > Pool.NumFreeBlocks - numFreeHits)
        {
            return null;
        }

        if (held is null)
        {
            held = [];
            _requestBlocks[request.RequestId] = held;
        }

        if (computed.Blocks.Count > 0)
        {
            Pool.Touch(computed.Blocks);
            held.AddRange(computed.Blocks);
            _numCachedBlocks[request.RequestId] = held.Count;
        }

        var allocated = Pool.Allocate(numToAllocate)!;
        held.AddRange(allocated);
        return allocated;
    }

    /// <summary>Registers the request's full blocks within its first <paramref name="numComputedTokens"/>
    /// tokens in the prefix cache. Called only after the step that computed them has run, so no other
    /// request can read KV that is still being written.</summary>
    public void CacheBlocks(EngineRequest request, int numComputedTokens)
    {
        if (!Pool.EnablePrefixCaching || !_requestBlocks.TryGetValue(request.RequestId, out var held))
        {
            return;
        }

        var numFull = Math.Min(numComputedTokens / BlockSize, held.Count);
        _numCachedBlocks.TryGetValue(request.RequestId, out var numCached);
        if (numFull <= numCached)
        {
            return;
        }

        ExtendBlockHashes(request, numFull);
        for (var i = numCached; i < numFull; i++)
        {
            Pool.CacheFullBlock(held[i], request.BlockHashes[i]);
        }

        _numCachedBlocks[request.RequestId] = numFull;
    }

    /// <summary>Releases all of the request's blocks, tail first so its shared prefix is evicted last.</summary>
    public void Free(EngineRequest request)
    {
        if (_requestBlocks.Remove(request.RequestId, out var held))
        {
            held.Reverse();
            Pool.Free(held);
        }

        _numCachedBlocks.Remove(request.RequestId);
    }

    private void ExtendBlockHashes(EngineRequest request, int numBlocks)
    {
        var hashes = request.BlockHashes;
        while (hashes.Count < numBlocks)
        {
            var index = hashes.Count;
            BlockHash? parent = index == 0 ? BlockHash.Root(request.CacheSalt, request.LoraName, request.LoraLoadId) : hashes[index - 1];
            hashes.Add(BlockHash.Compute(parent, request.TokenSpan(index * BlockSize, BlockSize)));
        }
    }
}
