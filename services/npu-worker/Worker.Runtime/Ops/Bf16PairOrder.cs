namespace Worker.Runtime.Ops;

/// <summary>
/// The activation order the BF16 decode kernels read. A 32-bit load of BF16 weights holds an even element in its
/// low half and the next odd one in its high half, so <c>bits &lt;&lt; 16</c> gives the even weights and
/// <c>bits &amp; 0xFFFF0000</c> the odd ones as fp32, with no cross-lane widening. The activations are reordered to
/// match, once per matmul: within each block of <c>width</c> values (two vectors' worth), the even-indexed values
/// first, then the odd-indexed ones. Values after the last whole block keep their natural order (the kernels' scalar
/// tail reads them as they are).
/// </summary>
internal static unsafe class Bf16PairOrder
{
    /// <summary>Writes x (k values) into destination in pair order for blocks of <paramref name="width"/> values.</summary>
    public static void Reorder(float* x, int k, int width, float* destination)
    {
        int half = width / 2;
        int i = 0;
        for (; i + width <= k; i += width)
        {
            for (int j = 0; j < half; j++)
            {
                destination[i + j] = x[i + 2 * j];
                destination[i + half + j] = x[i + 2 * j + 1];
            }
        }

        for (; i < k; i++)
        {
            destination[i] = x[i];
        }
    }
}
