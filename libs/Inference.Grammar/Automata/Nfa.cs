namespace Inference.Grammar.Automata;

/// <summary>A Thompson automaton for one rule body: byte-range edges, call edges and epsilon edges.</summary>
internal sealed class Nfa
{
    public List<List<(byte Lo, byte Hi, int To)>> Bytes { get; } = [];

    public List<List<(int Rule, int To)>> Calls { get; } = [];

    public List<List<int>> Epsilon { get; } = [];

    public int StateCount => Bytes.Count;

    public int AddState()
    {
        Bytes.Add([]);
        Calls.Add([]);
        Epsilon.Add([]);
        return Bytes.Count - 1;
    }

    /// <summary>Adds edges so that the paths from <paramref name="from"/> to <paramref name="to"/> spell the expression.</summary>
    public void Build(Expr expr, int from, int to, int maxStates)
    {
        if (StateCount > maxStates)
        {
            throw new GrammarTooLargeException($"the automaton exceeds {maxStates} states");
        }
        switch (expr)
        {
            case ByteRangeExpr range:
                Bytes[from].Add((range.Lo, range.Hi, to));
                break;
            case CallExpr call:
                Calls[from].Add((call.Rule, to));
                break;
            case AltExpr alt:
                foreach (var item in alt.Items)
                {
                    Build(item, from, to, maxStates);
                }
                break;
            case SeqExpr seq:
                BuildSequence(seq.Items, from, to, maxStates);
                break;
            case RepeatExpr repeat:
                BuildRepeat(repeat, from, to, maxStates);
                break;
            case MachineExpr machine:
                BuildMachine(machine, from, to, maxStates);
                break;
            default:
                throw new InvalidOperationException($"unknown expression {expr.GetType().Name}");
        }
    }

    private void BuildSequence(IReadOnlyList<Expr> items, int from, int to, int maxStates)
    {
        if (items.Count == 0)
        {
            Epsilon[from].Add(to);
            return;
        }
        int current = from;
        for (int i = 0; i < items.Count; i++)
        {
            int next = i == items.Count - 1 ? to : AddState();
            Build(items[i], current, next, maxStates);
            current = next;
        }
    }

    private void BuildMachine(MachineExpr machine, int from, int to, int maxStates)
    {
        var states = new int[machine.StateCount];
        for (int i = 0; i < states.Length; i++)
        {
            states[i] = AddState();
        }
        Epsilon[from].Add(states[0]);
        foreach (var edge in machine.Edges)
        {
            Build(edge.Label, states[edge.From], states[edge.To], maxStates);
        }
        foreach (int final in machine.Finals)
        {
            Epsilon[states[final]].Add(to);
        }
    }

    private void BuildRepeat(RepeatExpr repeat, int from, int to, int maxStates)
    {
        // A fresh entry state keeps loops of the body from leaking into the caller's states.
        int current = AddState();
        Epsilon[from].Add(current);
        for (int i = 0; i < repeat.Min; i++)
        {
            int next = AddState();
            Build(repeat.Body, current, next, maxStates);
            current = next;
        }
        if (repeat.Max == RepeatExpr.Unbounded)
        {
            int loop = AddState();
            Epsilon[current].Add(loop);
            Build(repeat.Body, loop, loop, maxStates);
            Epsilon[loop].Add(to);
            return;
        }
        for (int i = repeat.Min; i < repeat.Max; i++)
        {
            Epsilon[current].Add(to);
            int next = AddState();
            Build(repeat.Body, current, next, maxStates);
            current = next;
        }
        Epsilon[current].Add(to);
    }
}
