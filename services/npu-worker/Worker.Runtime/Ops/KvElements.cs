using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Kv;

namespace Worker.Runtime.Ops;

/// <summary>
/// How attention reads the elements of a KV cache of one <see cref="KvCacheDType"/> as fp32: its kernels are compiled
/// once per element type (a type argument), so the fp32 cache's loads stay plain loads.
/// </summary>
internal unsafe interface IKvElements
{
    /// <summary>Bytes of one element.</summary>
    static abstract int Bytes { get; }

    /// <summary>Elements index..index + 15 of the row at row, as fp32.</summary>
    static abstract Vector512<float> Load512(byte* row, long index);

    /// <summary>Elements index..index + 7 of the row at row, as fp32.</summary>
    static abstract Vector256<float> Load256(byte* row, long index);

    static abstract float Load(byte* row, long index);
}

internal readonly unsafe struct Fp32KvElements : IKvElements
{
    public static int Bytes => sizeof(float);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(byte* row, long index) => Vector512.Load((float*)row + index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(byte* row, long index) => Vector256.Load((float*)row + index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(byte* row, long index) => ((float*)row)[index];
}

/// <summary>bfloat16 is the top half of an fp32: widened by a zero-extending load and a shift (vpmovzxwd, vpslld).</summary>
internal readonly unsafe struct Bf16KvElements : IKvElements
{
    public static int Bytes => sizeof(ushort);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(byte* row, long index)
    {
        var halves = Vector256.Load((ushort*)row + index);
        var widened = Avx512F.IsSupported ? Avx512F.ConvertToVector512UInt32(halves) : Vector512.WidenLower(halves.ToVector512Unsafe());
        return Vector512.ShiftLeft(widened, 16).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(byte* row, long index)
    {
        var halves = Vector128.Load((ushort*)row + index);
        var widened = Avx2.IsSupported ? Avx2.ConvertToVector256Int32(halves).AsUInt32() : Vector256.WidenLower(halves.ToVector256Unsafe());
        return Vector256.ShiftLeft(widened, 16).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(byte* row, long index) => BFloat16.ToSingle(((ushort*)row)[index]);
}
