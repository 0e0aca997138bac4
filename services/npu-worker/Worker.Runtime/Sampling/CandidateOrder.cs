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

    /// <summary>Bits of the weight sorted per pass of <see cref="SortByWeight"/>: three passes cover its 32.</summary>
    private const int DigitBits = 11;

    /// <summary>
    /// Sorts keys made in ascending id order into key order in O(n): a stable least-significant-digit radix sort on the
    /// weight half alone (three passes of 11 bits; a pass where every key has the same digit is skipped), which leaves
    /// equal weights in the id order they came in. A comparison sort of 152K keys took about 9 ms.
    /// </summary>
    /// <param name="scratch">At least as long as keys.</param>
    public static void SortByWeight(Span<ulong> keys, Span<ulong> scratch)
    {
        Span<int> starts = stackalloc int[1 << DigitBits];
        var source = keys;
        var target = scratch[..keys.Length];
        for (int shift = 32; shift < 64; shift += DigitBits)
        {
            starts.Clear();
            foreach (ulong key in source)
            {
                starts[Digit(key, shift)]++;
            }

            if (starts[Digit(source[0], shift)] == source.Length)
            {
                continue; // one digit for all: this pass would not move anything
            }

            int sum = 0;
            for (int digit = 0; digit < starts.Length; digit++)
            {
                (starts[digit], sum) = (sum, sum + starts[digit]);
            }

            foreach (ulong key in source)
            {
                target[starts[Digit(key, shift)]++] = key;
            }

            var written = target;
            target = source;
            source = written;
        }

        if (source != keys)
        {
            source.CopyTo(keys);
        }

        static int Digit(ulong key, int shift) => (int)(key >> shift) & ((1 << DigitBits) - 1);
    }
}
