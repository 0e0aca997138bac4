using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Scheduler.Core.KvCache;

/// <summary>
/// Identity of a full block's content in context: a hash over the parent block's hash and this block's
/// token ids, so equal hashes mean equal whole prefixes (the hash chain of vLLM's prefix caching).
/// SHA-256 truncated to 128 bits keeps accidental collisions (which would serve wrong KV) out of reach.
/// </summary>
public readonly record struct BlockHash(UInt128 Value)
{
    public static BlockHash Compute(BlockHash? parent, ReadOnlySpan<int> tokenIds)
    {
        var length = 16 + tokenIds.Length * sizeof(int);
        Span<byte> buffer = length <= 1024 ? stackalloc byte[length] : new byte[length];
        BinaryPrimitives.WriteUInt128LittleEndian(buffer, parent?.Value ?? UInt128.Zero);
        MemoryMarshal.AsBytes(tokenIds).CopyTo(buffer[16..]);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer, digest);
        return new BlockHash(BinaryPrimitives.ReadUInt128LittleEndian(digest));
    }

    /// <summary>
    /// The parent of a request's first block: none for the common chain, or a hash of vLLM's cache_salt, so that a
    /// salted request's blocks match only those of requests with the same salt.
    /// </summary>
    public static BlockHash? Root(string? salt)
    {
        if (salt is null)
        {
            return null;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("cache_salt:" + salt), digest);
        return new BlockHash(BinaryPrimitives.ReadUInt128LittleEndian(digest));
    }

    public override string ToString() => Value.ToString("x32");
}
