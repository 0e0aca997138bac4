namespace Inference.Grammar.Automata;

/// <summary>A set of Unicode scalar values as sorted, disjoint, non-adjacent inclusive ranges.</summary>
internal sealed class CodepointSet
{
    public const int MaxCodepoint = 0x10FFFF;
    private readonly List<(int Lo, int Hi)> _ranges = [];

    public IReadOnlyList<(int Lo, int Hi)> Ranges => _ranges;

    public bool IsEmpty => _ranges.Count == 0;

    public static CodepointSet Of(params (int Lo, int Hi)[] ranges)
    {
        var set = new CodepointSet();
        foreach (var (lo, hi) in ranges)
        {
            set.Add(lo, hi);
        }
        return set;
    }

    public CodepointSet Add(int lo, int hi)
    {
        _ranges.Add((lo, hi));
        Normalize();
        return this;
    }

    public CodepointSet Add(CodepointSet other)
    {
        _ranges.AddRange(other._ranges);
        Normalize();
        return this;
    }

    /// <summary>Every scalar value (surrogates excluded) not in this set.</summary>
    public CodepointSet Complement() => ComplementRaw().Except(0xD800, 0xDFFF);

    public CodepointSet Intersect(CodepointSet other)
    {
        var result = new CodepointSet();
        foreach (var (a, b) in _ranges)
        {
            foreach (var (c, d) in other._ranges)
            {
                int lo = Math.Max(a, c), hi = Math.Min(b, d);
                if (lo <= hi)
                {
                    result._ranges.Add((lo, hi));
                }
            }
        }
        result.Normalize();
        return result;
    }

    public CodepointSet Except(int lo, int hi) => Intersect(Of((lo, hi)).ComplementRaw());

    public bool Contains(int c) => _ranges.Any(r => r.Lo <= c && c <= r.Hi);

    private CodepointSet ComplementRaw()
    {
        var result = new CodepointSet();
        int next = 0;
        foreach (var (lo, hi) in _ranges)
        {
            if (lo > next)
            {
                result._ranges.Add((next, lo - 1));
            }
            next = hi + 1;
        }
        if (next <= MaxCodepoint)
        {
            result._ranges.Add((next, MaxCodepoint));
        }
        return result;
    }

    private void Normalize()
    {
        _ranges.Sort();
        var merged = new List<(int Lo, int Hi)>();
        foreach (var (lo, hi) in _ranges)
        {
            if (merged.Count > 0 && lo <= merged[^1].Hi + 1)
            {
                merged[^1] = (merged[^1].Lo, Math.Max(merged[^1].Hi, hi));
            }
            else
            {
                merged.Add((lo, hi));
            }
        }
        _ranges.Clear();
        _ranges.AddRange(merged);
    }
}
