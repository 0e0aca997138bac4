namespace Worker.Runtime.Sampling;

/// <summary>
/// A sampling candidate (a positive weight and its token id) as one 64-bit key whose ascending order is weight
/// descending, then id ascending: the high half is the weight's bits inverted (positive floats order as their bits),
/// the low half the id. Sorting keys is one array sort with a total order, and the weight comes back exactly.
/// </summary>
internal static class CandidateOrder
{
    public static ulong Key(float weight, int id) =>
        ((ulong)(uint.MaxValue - BitConverter.SingleToUInt32Bits(weight)) << 32) | (uint)id;

    public static float Weight(ulong key) => BitConverter.UInt32BitsToSingle(uint.MaxValue - (uint)(key >> 32));

    public static int Id(ulong key) => (int)(uint)key;

    /// <summary>Reorders keys so its first <paramref name="count"/> entries are the smallest (in any order): quickselect.</summary>
    public static void SelectSmallest(Span<ulong> keys, int count)
    {
        int left = 0, right = keys.Length - 1;
        while (left < right)
        {
            // Median of three as the pivot; Hoare partition.
            int middle = left + (right - left) / 2;
            ulong a = keys[left], b = keys[middle], c = keys[right];
            ulong pivot = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
            int i = left, j = right;
            while (i <= j)
            {
                while (keys[i] < pivot)
                {
                    i++;
                }

                while (keys[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (keys[i], keys[j]) = (keys[j], keys[i]);
                    i++;
                    j--;
                }
            }

            // [left, j] <= pivot <= [i, right]; entries between j and i equal the pivot.
            if (count - 1 <= j)
            {
                right = j;
            }
            else if (count - 1 >= i)
            {
                left = i;
            }
            else
            {
                return;
            }
        }
    }
}
