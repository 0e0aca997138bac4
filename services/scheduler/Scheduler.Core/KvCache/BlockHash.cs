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
    /// The parent of a request's first block: none for the common chain (no salt, no adapter); else a hash of what
    /// sets the request's KV apart: vLLM's cache_salt (its blocks match only those of requests with the same salt)
    /// and the LoRA adapter (KV computed under an adapter differs from the base model's and from another adapter's).
    /// A salt alone hashes as it did before adapters existed, so salted chains keep their hashes; an adapter loaded at
    /// start (<paramref name="loraLoadId"/> 0) as before run-time loading existed.
    /// </summary>
    /// <param name="loraLoadId">A run-time load's number: the same name loaded again is another adapter.</param>
    public static BlockHash? Root(string? salt, string? loraName = null, long loraLoadId = 0)
    {
        if (salt is null && loraName is null)
        {
            return null;
        }

        // The name's length fixes where it ends, so no name and salt pair reads as another.
        var key = loraName is null
            ? "cache_salt:" + salt
            : string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"lora_name:{loraName.Length}:{loraName}{(loraLoadId == 0 ? "" : "\nlora_load:" + loraLoadId)}{(salt is null ? "" : "\ncache_salt:" + salt)}");
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key), digest);
        return new BlockHash(BinaryPrimitives.ReadUInt128LittleEndian(digest));
    }

    public override string ToString() => Value.ToString("x32");
}
