using Inference.Grammar.Automata;

namespace Inference.Grammar.Sources.Regex;

/// <summary>
/// How a set of characters is spelled in the output: <see cref="Raw"/> as UTF-8 (guided_regex), or
/// <see cref="JsonString"/> as the content of a JSON string (a schema's <c>pattern</c> and <c>format</c>): quote,
/// backslash and control characters as escapes, the rest as UTF-8.
/// </summary>
internal abstract class CharEncoding
{
    public static readonly CharEncoding Raw = new RawEncoding();
    public static readonly CharEncoding JsonString = new JsonStringEncoding();

    public abstract Expr Encode(CodepointSet set);

    private sealed class RawEncoding : CharEncoding
    {
        public override Expr Encode(CodepointSet set) => Utf8Sequences.ToExpr(set);
    }

    private sealed class JsonStringEncoding : CharEncoding
    {
        private static readonly CodepointSet MustEscape = CodepointSet.Of((0, 0x1F), ('"', '"'), ('\\', '\\'));

        public override Expr Encode(CodepointSet set)
        {
            var alternatives = new List<Expr>();
            var plain = set.Intersect(MustEscape.Complement());
            if (!plain.IsEmpty)
            {
                alternatives.Add(Utf8Sequences.ToExpr(plain));
            }
            foreach (var (lo, hi) in set.Intersect(MustEscape).Ranges)
            {
                for (int c = lo; c <= hi; c++)
                {
                    alternatives.Add(Expr.Literal(JsonEscape(c)));
                }
            }
            return Expr.Alt(alternatives.ToArray());
        }

        private static string JsonEscape(int c) => c switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\b' => "\\b",
            '\f' => "\\f",
            _ => $"\\u{c:x4}",
        };
    }
}
