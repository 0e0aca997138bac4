using System.Globalization;
using Inference.Grammar.Automata;

namespace Inference.Grammar.Sources.Json;

/// <summary>
/// The exact set of JSON integers in [min, max] (either bound may be open) as a byte expression, built digit by
/// digit as range-to-regex generators do: per digit count, a common prefix, then a partial first digit, full middle
/// digits, and a partial last one. No leading zeros, no "-0".
/// </summary>
internal static class IntegerRange
{
    public const long Limit = 1_000_000_000_000_000_000;

    public static Expr ToExpr(long? min, long? max)
    {
        var parts = new List<Expr>();
        if (min is null || min < 0)
        {
            // Negative part: -n for n in [max(1, -max), -min].
            long lo = max is < 0 ? -max.Value : 1;
            long? hi = min is null ? null : -min.Value;
            if (hi is null || lo <= hi)
            {
                parts.Add(Expr.Seq(Expr.Byte((byte)'-'), NonNegative(lo, hi)));
            }
        }
        if (max is null || max >= 0)
        {
            parts.Add(NonNegative(Math.Max(0, min ?? 0), max));
        }
        return Expr.Alt(parts.ToArray());
    }

    private static Expr NonNegative(long lo, long? hi)
    {
        int loDigits = Digits(lo);
        var parts = new List<Expr>();
        if (hi is null)
        {
            parts.Add(SameLength(Text(lo), new string('9', loDigits)));
            parts.Add(Expr.Seq(Expr.Range((byte)'1', (byte)'9'), Expr.Repeat(JsonValueRules.Digit, loDigits, RepeatExpr.Unbounded)));
            return Expr.Alt(parts.ToArray());
        }
        for (int length = loDigits; length <= Digits(hi.Value); length++)
        {
            long first = length == 1 ? 0 : Pow10(length - 1);
            long last = Pow10(length) - 1;
            parts.Add(SameLength(Text(Math.Max(lo, first)), Text(Math.Min(hi.Value, last))));
        }
        return Expr.Alt(parts.ToArray());
    }

    /// <summary>All digit strings of one length between lo and hi (inclusive, lo ≤ hi).</summary>
    private static Expr SameLength(string lo, string hi)
    {
        if (lo.Length == 0)
        {
            return Expr.Empty;
        }
        byte a = (byte)lo[0], b = (byte)hi[0];
        string restLo = lo[1..], restHi = hi[1..];
        if (a == b)
        {
            return Expr.Seq(Expr.Byte(a), SameLength(restLo, restHi));
        }
        bool loFull = restLo.All(c => c == '0');
        bool hiFull = restHi.All(c => c == '9');
        var parts = new List<Expr>();
        byte middleFrom = loFull ? a : (byte)(a + 1);
        byte middleTo = hiFull ? b : (byte)(b - 1);
        if (!loFull)
        {
            parts.Add(Expr.Seq(Expr.Byte(a), SameLength(restLo, new string('9', restLo.Length))));
        }
        if (middleFrom <= middleTo)
        {
            parts.Add(Expr.Seq(Expr.Range(middleFrom, middleTo), Expr.Repeat(JsonValueRules.Digit, restLo.Length, restLo.Length)));
        }
        if (!hiFull)
        {
            parts.Add(Expr.Seq(Expr.Byte(b), SameLength(new string('0', restHi.Length), restHi)));
        }
        return Expr.Alt(parts.ToArray());
    }

    private static int Digits(long n) => Text(n).Length;

    private static string Text(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static long Pow10(int exponent)
    {
        long value = 1;
        for (int i = 0; i < exponent; i++)
        {
            value *= 10;
        }
        return value;
    }
}
