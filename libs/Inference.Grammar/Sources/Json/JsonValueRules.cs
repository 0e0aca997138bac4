using Inference.Grammar.Automata;
using Inference.Grammar.Sources.Regex;

namespace Inference.Grammar.Sources.Json;

/// <summary>
/// The building blocks of JSON grammars: bounded whitespace, string, number, integer, and the recursive rules of any
/// value, any object and any array (for <c>json_object</c> and unconstrained schemas). Each rule is created on first
/// use and shared, so all their positions share one mask cache entry.
/// </summary>
/// <param name="whitespace">What may stand between JSON tokens (vLLM's guided_whitespace_pattern); null: the bounded default.</param>
internal sealed class JsonValueRules(GrammarBuilder builder, GrammarCompilerOptions options, Expr? whitespace = null)
{
    private readonly Dictionary<(int, int), int> _strings = [];
    private int _value = -1, _object = -1, _array = -1, _number = -1, _integer = -1;

    public GrammarBuilder Builder => builder;

    /// <summary>Up to <see cref="GrammarCompilerOptions.MaxWhitespace"/> spaces, tabs or newlines, or the request's own pattern.</summary>
    public Expr Whitespace => whitespace ?? Expr.Repeat(Expr.Alt(Expr.Byte((byte)' '), Expr.Byte((byte)'\t'), Expr.Byte((byte)'\n')), 0,
        options.MaxWhitespace);

    /// <summary>One character of JSON string content: UTF-8 except quote, backslash and controls, or an escape
    /// (\u escapes of surrogates are excluded, so each escape is one code point).</summary>
    public static Expr StringChar { get; } = Expr.Alt(
        CharEncoding.Raw.Encode(CodepointSet.Of((0, 0x1F), ('"', '"'), ('\\', '\\')).Complement()),
        Expr.Seq(Expr.Byte((byte)'\\'), Expr.Alt(
            Expr.Alt("\"\\/bfnrt".Select(c => Expr.Byte((byte)c)).ToArray()),
            Expr.Seq(Expr.Byte((byte)'u'), NonSurrogateHex4()))));

    public int String => StringRule(0, RepeatExpr.Unbounded);

    public int Number => _number >= 0 ? _number : _number = builder.Add("number", Expr.Seq(
        IntegerExpr,
        Expr.Optional(Expr.Seq(Expr.Byte((byte)'.'), Expr.Repeat(Digit, 1, RepeatExpr.Unbounded))),
        Expr.Optional(Expr.Seq(Expr.Alt(Expr.Byte((byte)'e'), Expr.Byte((byte)'E')),
            Expr.Optional(Expr.Alt(Expr.Byte((byte)'+'), Expr.Byte((byte)'-'))),
            Expr.Repeat(Digit, 1, RepeatExpr.Unbounded)))));

    public int Integer => _integer >= 0 ? _integer : _integer = builder.Add("integer", IntegerExpr);

    public int Value
    {
        get
        {
            EnsureAny();
            return _value;
        }
    }

    public int Object
    {
        get
        {
            EnsureAny();
            return _object;
        }
    }

    public int Array
    {
        get
        {
            EnsureAny();
            return _array;
        }
    }

    public static Expr Digit => Expr.Range((byte)'0', (byte)'9');

    private static Expr IntegerExpr => Expr.Seq(Expr.Optional(Expr.Byte((byte)'-')),
        Expr.Alt(Expr.Byte((byte)'0'), Expr.Seq(Expr.Range((byte)'1', (byte)'9'), Expr.Star(Digit))));

    /// <summary>A string of <paramref name="min"/> to <paramref name="max"/> characters, quotes included.</summary>
    public int StringRule(int min, int max)
    {
        if (!_strings.TryGetValue((min, max), out int rule))
        {
            string name = max == RepeatExpr.Unbounded && min == 0 ? "string" : $"string{{{min},{max}}}";
            rule = builder.Add(name, Quoted(Expr.Repeat(StringChar, min, max)));
            _strings[(min, max)] = rule;
        }
        return rule;
    }

    public static Expr Quoted(Expr content) => Expr.Seq(Expr.Byte((byte)'"'), content, Expr.Byte((byte)'"'));

    /// <summary><c>open ws (item (ws , ws item)* ws)? close</c>.</summary>
    public Expr Separated(char open, Expr item, char close) => Expr.Seq(
        Expr.Byte((byte)open), Whitespace,
        Expr.Optional(Expr.Seq(item, Expr.Star(Expr.Seq(Whitespace, Expr.Byte((byte)','), Whitespace, item)), Whitespace)),
        Expr.Byte((byte)close));

    public Expr Member(Expr key, int valueRule) =>
        Expr.Seq(key, Whitespace, Expr.Byte((byte)':'), Whitespace, Expr.Call(valueRule));

    private void EnsureAny()
    {
        if (_value >= 0)
        {
            return;
        }
        _value = builder.Declare("value");
        _object = builder.Declare("object");
        _array = builder.Declare("array");
        builder.Define(_object, Separated('{', Member(Expr.Call(String), _value), '}'));
        builder.Define(_array, Separated('[', Expr.Call(_value), ']'));
        builder.Define(_value, Expr.Alt(Expr.Call(_object), Expr.Call(_array), Expr.Call(String), Expr.Call(Number),
            Expr.Literal("true"), Expr.Literal("false"), Expr.Literal("null")));
    }

    private static Expr NonSurrogateHex4()
    {
        Expr Hex() => Expr.Alt(Digit, Expr.Range((byte)'a', (byte)'f'), Expr.Range((byte)'A', (byte)'F'));
        Expr Set(string chars) => Expr.Alt(chars.Select(c => Expr.Byte((byte)c)).ToArray());
        return Expr.Alt(
            Expr.Seq(Expr.Alt(Digit, Set("abcABCefEF")), Hex(), Hex(), Hex()),
            Expr.Seq(Set("dD"), Expr.Range((byte)'0', (byte)'7'), Hex(), Hex()));
    }
}
