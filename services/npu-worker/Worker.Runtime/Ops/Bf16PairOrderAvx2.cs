using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>
/// <see cref="Bf16PairOrder.Reorder"/> for 16-value blocks with two shuffles and two lane permutes per block (the AVX2
/// path's batched matmul reorders every token of a matmul).
/// </summary>
internal static unsafe class Bf16PairOrderAvx2
{
    /// <summary>Writes x (k values) into destination in pair order for blocks of 16 values.</summary>
    public static void Reorder(float* x, int k, float* destination)
    {
        int i = 0;
        for (; i + 16 <= k; i += 16)
        {
            var low = Vector256.Load(x + i);
            var high = Vector256.Load(x + i + 8);

            // Within each 128-bit lane [l0 l2 h0 h2] (evens) and [l1 l3 h1 h3] (odds); then 64-bit blocks 0, 2, 1, 3.
            var even = Avx.Shuffle(low, high, 0x88).AsDouble();
            var odd = Avx.Shuffle(low, high, 0xDD).AsDouble();
            Avx2.Permute4x64(even, 0xD8).AsSingle().Store(destination + i);
            Avx2.Permute4x64(odd, 0xD8).AsSingle().Store(destination + i + 8);
        }

        for (; i < k; i++)
        {
            destination[i] = x[i];
        }
    }
}
