using Scheduler.Core.KvCache;

namespace Scheduler.Tests.KvCache;

public sealed class BlockHashTests
{
    [Fact]
    public void Root_WithoutSaltOrAdapter_IsTheCommonChain()
    {
        Assert.Null(BlockHash.Root(salt: null, loraName: null));
    }

    [Fact]
    public void Root_OfASaltAlone_KeepsTheHashItHadBeforeAdapters()
    {
        // SHA-256 of "cache_salt:tenant-a", first 16 bytes read little-endian.
        Assert.Equal("49eea28a289b4739dbd8e42986f588e7", BlockHash.Root("tenant-a", loraName: null).ToString());
    }

    [Fact]
    public void Root_OfAnAdapter_DiffersFromASaltOfTheSameText()
    {
        Assert.NotEqual(BlockHash.Root("sql-lora", loraName: null), BlockHash.Root(salt: null, "sql-lora"));
    }

    [Fact]
    public void Root_OfAnAdapterAndASalt_IsNotThatOfAnAdapterWhoseNameSpellsBoth()
    {
        Assert.NotEqual(BlockHash.Root("b", "a"), BlockHash.Root(salt: null, "a\ncache_salt:b"));
    }
}
