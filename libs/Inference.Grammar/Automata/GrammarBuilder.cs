namespace Inference.Grammar.Automata;

/// <summary>
/// Collects rules (declared first, so they can be recursive; defined later) and compiles them into a
/// <see cref="Grammar"/>: one deterministic automaton per rule, flattened into global node ids.
/// </summary>
internal sealed class GrammarBuilder(int maxStates)
{
    private readonly List<string> _names = [];
    private readonly List<Expr?> _bodies = [];

    public int RuleCount => _names.Count;

    public int Declare(string name)
    {
        _names.Add(name);
        _bodies.Add(null);
        return _names.Count - 1;
    }

    public void Define(int rule, Expr body)
    {
        if (_bodies[rule] is not null)
        {
            throw new InvalidOperationException($"rule {_names[rule]} is defined twice");
        }
        _bodies[rule] = body;
    }

    public int Add(string name, Expr body)
    {
        int rule = Declare(name);
        Define(rule, body);
        return rule;
    }

    public GrammarAutomaton Build(int root)
    {
        var dfas = new RuleDfa[_names.Count];
        int total = 0;
        for (int rule = 0; rule < dfas.Length; rule++)
        {
            var body = _bodies[rule] ?? throw new InvalidOperationException($"rule {_names[rule]} is declared but not defined");
            var nfa = new Nfa();
            int start = nfa.AddState();
            int accept = nfa.AddState();
            nfa.Build(body, start, accept, maxStates);
            dfas[rule] = Determinizer.Determinize(nfa, start, accept, maxStates);
            total += dfas[rule].States.Count;
            if (total > maxStates)
            {
                throw new GrammarTooLargeException($"the grammar's automata exceed {maxStates} states");
            }
        }
        var grammar = new GrammarAutomaton(dfas, _names.ToArray(), root);
        LeftRecursionCheck.ThrowIfLeftRecursive(grammar);
        return grammar;
    }
}
