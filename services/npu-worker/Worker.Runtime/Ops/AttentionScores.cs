using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>
/// Attention scores of one KV block's keys, stored transposed (<see cref="KvLayer.KeyColumns"/>: element i of the
/// block's keys side by side), against the query heads that share them: a vector of accumulators holds 16 keys (8 on
/// the AVX2 path) of one head, and each key element costs one load for up to eight heads and one FMA per head with
/// the head's element broadcast. No horizontal sums, and any head size: the loop runs over the head's elements.
/// Replaced 8-key tiles over row-major keys reduced by a transpose-add tree (4-8x more instructions per key).
/// Compiled per element type of the cache (<see cref="IKvElements"/>): a bfloat16 key vector is widened as it is loaded.
/// </summary>
internal static unsafe class AttentionScores
{
    /// <summary>Keys of one 512-bit vector; <see cref="KvLayer.KeyPitch"/> is a multiple of it.</summary>
    public const int Lanes = 16;

    /// <summary>Query heads scored per pass over a block's keys (accumulators: 8 vectors).</summary>
    private const int HeadsPerPass = 8;

    /// <summary>
    /// scores[g * scoreStride + p] = scale * dot(query head g, key p) for the heads g &lt; heads (queries d apart) and the
    /// block's lanes p &lt; count rounded up to whole vectors (at most the pitch; lanes past the block's written keys hold
    /// whatever the memory held, and their scores are not to be read). With nextKeyColumns (the next block's keys, or
    /// null), the first pass over the heads reads the same lanes of it into L1 as it goes, a row of key elements per
    /// element (<see cref="Heads{TVector, THeads, TKv}"/>).
    /// </summary>
    public static void ScoreBlock<TKv>(float* queries, int d, int heads, byte* keyColumns, int pitch, int count, float scale, float* scores, int scoreStride, bool wide,
        byte* nextKeyColumns = null)
        where TKv : struct, IKvElements
    {
        for (int g = 0; g < heads; g += HeadsPerPass)
        {
            int n = Math.Min(HeadsPerPass, heads - g);
            float* q = queries + (long)g * d;
            float* s = scores + (long)g * scoreStride;
            int lanes = wide ? Vector512<float>.Count : Vector256<float>.Count;
            for (int lane = 0; lane < count; lane += lanes)
            {
                byte* ahead = g == 0 && nextKeyColumns != null ? nextKeyColumns + lane * TKv.Bytes : null;
                if (wide)
                {
                    Pass<Wide, TKv>(n, q, d, keyColumns + lane * TKv.Bytes, pitch, scale, s + lane, scoreStride, ahead);
                }
                else
                {
                    Pass<Narrow, TKv>(n, q, d, keyColumns + lane * TKv.Bytes, pitch, scale, s + lane, scoreStride, ahead);
                }
            }
        }
    }

    private static void Pass<TVector, TKv>(int heads, float* q, int d, byte* keys, int pitch, float scale, float* scores, int scoreStride, byte* ahead)
        where TVector : struct, IScoreVector<TVector>
        where TKv : struct, IKvElements
    {
        switch (heads)
        {
            case 8: Heads<TVector, TileCount8, TKv>(q, d, keys, pitch, scale, scores, scoreStride, ahead); break;
            case 7: Heads<TVector, TileCount7, TKv>(q, d, keys, pitch, scale, scores, scoreStride, ahead); break;
            case 6: Heads<TVector, TileCount6, TKv>(q, d, keys, pitch, scale, scores, scoreStride, ahead); break;
            case 5: Heads<TVector, TileCount5, TKv>(q, d, keys, pitch, scale, scores, scoreStride, ahead); break;
            case 4: Heads<TVector, TileCount4, TKv>(q, d, keys, pitch, scale, scores, scoreStride, ahead); break;
            case 3: Heads<TVector, TileCount3, TKv>(q, d, keys, pitch, scale, scores, scoreStride, ahead); break;
            case 2: Heads<TVector, TileCount2, TKv>(q, d, keys, pitch, scale, scores, scoreStride, ahead); break;
            default: Heads<TVector, TileCount1, TKv>(q, d, keys, pitch, scale, scores, scoreStride, ahead); break;
        }
    }

    /// <summary>
    /// One vector of keys against THeads query heads (compiled per count: the unused accumulators vanish). With ahead
    /// (the same lanes of the next block's keys, or null), each element's row there is prefetched as this block's is
    /// scored: the next block's lines arrive while this one computes, a few at a time. Fetched all at once before the
    /// block (64 lines of fp32 keys on the 0.5B sizes), they had filled the core's queue of misses and stalled it until
    /// most had arrived: decode attention at context 4000, 24 layers in turn (KV from memory, blocks shuffled, 2 threads,
    /// Zen 5), with the value rows' prefetch also spread (<see cref="AttentionValues"/>): fp32 153-168 -> 136-150 us a
    /// layer, bfloat16 104-113 -> 97-108.
    /// </summary>
    private static void Heads<TVector, THeads, TKv>(float* q, int d, byte* keys, int pitch, float scale, float* scores, int scoreStride, byte* ahead)
        where TVector : struct, IScoreVector<TVector>
        where THeads : struct, ITileCount
        where TKv : struct, IKvElements
    {
        int n = THeads.Value;
        TVector a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        float* q1 = q + d, q2 = q1 + d, q3 = q2 + d, q4 = q3 + d, q5 = q4 + d, q6 = q5 + d, q7 = q6 + d;
        for (int i = 0; i < d; i++)
        {
            if (ahead != null && Sse.IsSupported)
            {
                Sse.Prefetch0(ahead + (long)i * pitch * TKv.Bytes);
            }

            var k = TVector.Load<TKv>(keys, (long)i * pitch);
            a0 = TVector.MultiplyAdd(k, q + i, a0);
            if (n > 1) a1 = TVector.MultiplyAdd(k, q1 + i, a1);
            if (n > 2) a2 = TVector.MultiplyAdd(k, q2 + i, a2);
            if (n > 3) a3 = TVector.MultiplyAdd(k, q3 + i, a3);
            if (n > 4) a4 = TVector.MultiplyAdd(k, q4 + i, a4);
            if (n > 5) a5 = TVector.MultiplyAdd(k, q5 + i, a5);
            if (n > 6) a6 = TVector.MultiplyAdd(k, q6 + i, a6);
            if (n > 7) a7 = TVector.MultiplyAdd(k, q7 + i, a7);
        }

        a0.StoreScaled(scale, scores);
        if (n > 1) a1.StoreScaled(scale, scores + scoreStride);
        if (n > 2) a2.StoreScaled(scale, scores + 2 * scoreStride);
        if (n > 3) a3.StoreScaled(scale, scores + 3 * scoreStride);
        if (n > 4) a4.StoreScaled(scale, scores + 4 * scoreStride);
        if (n > 5) a5.StoreScaled(scale, scores + 5 * scoreStride);
        if (n > 6) a6.StoreScaled(scale, scores + 6 * scoreStride);
        if (n > 7) a7.StoreScaled(scale, scores + 7 * scoreStride);
    }

    /// <summary>The vector width of a path, so one scoring kernel serves both.</summary>
    private interface IScoreVector<TSelf>
        where TSelf : struct, IScoreVector<TSelf>
    {
        /// <summary>Elements index.. of the keys at source, as fp32.</summary>
        static abstract TSelf Load<TKv>(byte* source, long index)
            where TKv : struct, IKvElements;

        /// <summary>
        /// keys * broadcast(*q) + accumulator. The query value comes as a pointer so the JIT folds the broadcast into the
        /// FMA's memory operand (EVEX embedded broadcast, or a load-only vbroadcastss): passed as a float, it was loaded
        /// into a register and broadcast there, a shuffle uop per FMA on the port 512-bit FMAs share on Intel (seven heads
        /// at context 4000 with the KV in L1, a 2-core Ice Lake Xeon, alternated in one process: 66 against 75 us of
        /// scoring a layer).
        /// </summary>
        static abstract TSelf MultiplyAdd(TSelf keys, float* q, TSelf accumulator);

        void StoreScaled(float scale, float* destination);
    }

    private struct Wide : IScoreVector<Wide>
    {
        private Vector512<float> _v;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Wide Load<TKv>(byte* source, long index)
            where TKv : struct, IKvElements => new() { _v = TKv.Load512(source, index) };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Wide MultiplyAdd(Wide keys, float* q, Wide accumulator) =>
            new() { _v = Vector512.FusedMultiplyAdd(keys._v, Vector512.Create(*q), accumulator._v) };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void StoreScaled(float scale, float* destination) => (_v * scale).Store(destination);
    }

    private struct Narrow : IScoreVector<Narrow>
    {
        private Vector256<float> _v;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Narrow Load<TKv>(byte* source, long index)
            where TKv : struct, IKvElements => new() { _v = TKv.Load256(source, index) };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Narrow MultiplyAdd(Narrow keys, float* q, Narrow accumulator) =>
            new() { _v = Vector256.FusedMultiplyAdd(keys._v, Vector256.Create(*q), accumulator._v) };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void StoreScaled(float scale, float* destination) => (_v * scale).Store(destination);
    }
}
