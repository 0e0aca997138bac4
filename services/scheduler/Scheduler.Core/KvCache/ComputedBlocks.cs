namespace Scheduler.Core.KvCache;

/// <summary>Prefix-cache hits for a request about to start: blocks whose KV is already computed.</summary>
/// <param name="Blocks">Full blocks matching the request's leading tokens, in order.</param>
/// <param name="NumTokens">Tokens covered by those blocks.</param>
public sealed record ComputedBlocks(IReadOnlyList<KvBlock> Blocks, int NumTokens)
{
    public static ComputedBlocks None { get; } = new([], 0);
}
