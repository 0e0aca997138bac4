using System.Text;

namespace Inference.Grammar.Automata;

/// <summary>
/// A byte-level regular expression with calls to other rules: the body of one grammar rule. Grammar sources (JSON
/// Schema, regex, choice) build these; <see cref="Nfa"/> turns them into automata.
/// </summary>
internal abstract record Expr
{
    public static readonly Expr Empty = new SeqExpr([]);

    public static Expr Range(byte lo, byte hi) => new ByteRangeExpr(lo, hi);

    public static Expr Byte(byte b) => new ByteRangeExpr(b, b);

    public static Expr Literal(string text) => Literal(Encoding.UTF8.GetBytes(text));

    public static Expr Literal(byte[] bytes) => Seq(bytes.Select(Byte).ToArray());

    public static Expr Seq(params Expr[] items) => items.Length == 1 ? items[0] : new SeqExpr(items);

    public static Expr Alt(params Expr[] items) => items.Length == 1 ? items[0] : new AltExpr(items);

    public static Expr Repeat(Expr body, int min, int max) => new RepeatExpr(body, min, max);

    public static Expr Optional(Expr body) => new RepeatExpr(body, 0, 1);

    public static Expr Star(Expr body) => new RepeatExpr(body, 0, RepeatExpr.Unbounded);

    public static Expr Call(int rule) => new CallExpr(rule);

    /// <summary>The paths of a hand-built automaton (see <see cref="MachineExpr"/>).</summary>
    public static Expr Machine(int stateCount, IReadOnlyList<MachineEdge> edges, IReadOnlyList<int> finals) =>
        new MachineExpr(stateCount, edges, finals);
}

/// <summary>One byte in [Lo, Hi].</summary>
internal sealed record ByteRangeExpr(byte Lo, byte Hi) : Expr;

/// <summary>The items one after another (none: the empty string).</summary>
internal sealed record SeqExpr(IReadOnlyList<Expr> Items) : Expr;

/// <summary>Any one of the items.</summary>
internal sealed record AltExpr(IReadOnlyList<Expr> Items) : Expr;

/// <summary>Body repeated Min to Max times (<see cref="Unbounded"/>: no upper bound).</summary>
internal sealed record RepeatExpr(Expr Body, int Min, int Max) : Expr
{
    public const int Unbounded = -1;
}

/// <summary>The language of another rule (a push on the matcher's stack).</summary>
internal sealed record CallExpr(int Rule) : Expr;

/// <summary>
/// An automaton given state by state, for languages a source computes as one (a text that must avoid some strings):
/// the paths from state 0 to a final state, each edge spelling its label. Cycles through it loop without growing the
/// matcher's stack, as a right-recursive rule per state would.
/// </summary>
internal sealed record MachineExpr(int StateCount, IReadOnlyList<MachineEdge> Edges, IReadOnlyList<int> Finals) : Expr;

/// <summary>An edge of a <see cref="MachineExpr"/>: from state <paramref name="From"/> to <paramref name="To"/>, spelling <paramref name="Label"/>.</summary>
internal sealed record MachineEdge(int From, Expr Label, int To);
