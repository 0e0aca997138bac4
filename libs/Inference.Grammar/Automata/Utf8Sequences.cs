namespace Inference.Grammar.Automata;

/// <summary>
/// Turns sets of code points into byte-level expressions: each range becomes a few sequences of byte ranges whose
/// concatenations are exactly the valid UTF-8 encodings of the range (surrogates never encoded).
/// </summary>
internal static class Utf8Sequences
{
    public static Expr ToExpr(CodepointSet set)
    {
        var alternatives = new List<Expr>();
        foreach (var (lo, hi) in set.Ranges)
        {
            AddRange(lo, hi, alternatives);
        }
        return alternatives.Count == 0 ? throw new InvalidOperationException("empty character set")
            : Expr.Alt(alternatives.ToArray());
    }

    private static void AddRange(int lo, int hi, List<Expr> output)
    {
        // Split at the encoded-length boundaries and around the surrogates.
        int[] limits = [0x7F, 0x7FF, 0xD7FF, 0xDFFF, 0xFFFF, 0x10FFFF];
        int start = lo;
        foreach (int limit in limits)
        {
            if (start > hi)
            {
                return;
            }
            if (start > limit)
            {
                continue;
            }
            int end = Math.Min(hi, limit);
            if (limit != 0xDFFF)
            {
                AddSameLength(start, end, output);
            }
            start = end + 1;
        }
    }

    private static void AddSameLength(int lo, int hi, List<Expr> output)
    {
        int length = Length(lo);
        for (int i = 1; i < length; i++)
        {
            int mask = (1 << (6 * i)) - 1;
            if ((lo & ~mask) != (hi & ~mask))
            {
                if ((lo & mask) != 0)
                {
                    AddSameLength(lo, lo | mask, output);
                    AddSameLength((lo | mask) + 1, hi, output);
                    return;
                }
                if ((hi & mask) != mask)
                {
                    AddSameLength(lo, (hi & ~mask) - 1, output);
                    AddSameLength(hi & ~mask, hi, output);
                    return;
                }
            }
        }
        var a = Encode(lo);
        var b = Encode(hi);
        var items = new Expr[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            items[i] = Expr.Range(a[i], b[i]);
        }
        output.Add(Expr.Seq(items));
    }

    private static int Length(int c) => c <= 0x7F ? 1 : c <= 0x7FF ? 2 : c <= 0xFFFF ? 3 : 4;

    private static byte[] Encode(int c) => Length(c) switch
    {
        1 => [(byte)c],
        2 => [(byte)(0xC0 | (c >> 6)), (byte)(0x80 | (c & 0x3F))],
        3 => [(byte)(0xE0 | (c >> 12)), (byte)(0x80 | ((c >> 6) & 0x3F)), (byte)(0x80 | (c & 0x3F))],
        _ => [(byte)(0xF0 | (c >> 18)), (byte)(0x80 | ((c >> 12) & 0x3F)), (byte)(0x80 | ((c >> 6) & 0x3F)),
            (byte)(0x80 | (c & 0x3F))],
    };
}
