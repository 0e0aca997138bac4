using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>
/// <see cref="Bf16PairOrder.Reorder"/> for 32-value blocks with two permutes per block: prefill reorders every token
/// of a matmul (128 x 4864 values for the down projection), where the scalar loop would cost several percent.
/// </summary>
internal static unsafe class Bf16PairOrderAvx512
{
    private static readonly Vector512<int> EvenIndices = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static readonly Vector512<int> OddIndices = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);

    /// <summary>Writes x (k values) into destination in pair order for blocks of 32 values.</summary>
    public static void Reorder(float* x, int k, float* destination)
    {
        var even = EvenIndices;
        var odd = OddIndices;
        int i = 0;
        for (; i + 32 <= k; i += 32)
        {
            var low = Vector512.Load(x + i);
            var high = Vector512.Load(x + i + 16);
            Avx512F.PermuteVar16x32x2(low, even, high).Store(destination + i);
            Avx512F.PermuteVar16x32x2(low, odd, high).Store(destination + i + 16);
        }

        for (; i < k; i++)
        {
            destination[i] = x[i];
        }
    }
}
