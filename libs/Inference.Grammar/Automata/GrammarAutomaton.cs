namespace Inference.Grammar.Automata;

/// <summary>
/// A compiled grammar: the rules' deterministic automata flattened into one array of nodes with global ids. A node
/// with byte edges is a "position" a matcher can stand at; call edges push the callee's start node and remember the
/// return node; a final node may pop back to the caller.
/// </summary>
internal sealed class GrammarAutomaton
{
    private readonly int[] _rangeStart;
    private readonly byte[] _rangeLo;
    private readonly byte[] _rangeHi;
    private readonly int[] _rangeTo;
    private readonly int[] _callStart;

    public GrammarAutomaton(RuleDfa[] rules, string[] names, int root)
    {
        RuleNames = names;
        Root = root;
        RuleStart = new int[rules.Length];
        int count = 0;
        for (int r = 0; r < rules.Length; r++)
        {
            RuleStart[r] = count;
            count += rules[r].States.Count;
        }
        NodeCount = count;
        NodeRule = new int[count];
        IsFinal = new bool[count];
        _rangeStart = new int[count + 1];
        _callStart = new int[count + 1];
        var lo = new List<byte>();
        var hi = new List<byte>();
        var to = new List<int>();
        var callRule = new List<int>();
        var callReturn = new List<int>();
        for (int r = 0; r < rules.Length; r++)
        {
            for (int s = 0; s < rules[r].States.Count; s++)
            {
                int node = RuleStart[r] + s;
                var state = rules[r].States[s];
                NodeRule[node] = r;
                IsFinal[node] = state.Final;
                _rangeStart[node] = lo.Count;
                _callStart[node] = callRule.Count;
                foreach (var edge in state.Bytes)
                {
                    lo.Add(edge.Lo);
                    hi.Add(edge.Hi);
                    to.Add(RuleStart[r] + edge.To);
                }
                foreach (var call in state.Calls)
                {
                    callRule.Add(call.Rule);
                    callReturn.Add(RuleStart[r] + call.To);
                }
            }
        }
        _rangeStart[count] = lo.Count;
        _callStart[count] = callRule.Count;
        _rangeLo = lo.ToArray();
        _rangeHi = hi.ToArray();
        _rangeTo = to.ToArray();
        CallRule = callRule.ToArray();
        CallReturn = callReturn.ToArray();
    }

    public string[] RuleNames { get; }

    public int Root { get; }

    public int NodeCount { get; }

    public int[] RuleStart { get; }

    public int[] NodeRule { get; }

    public bool[] IsFinal { get; }

    public int[] CallRule { get; }

    public int[] CallReturn { get; }

    public bool HasBytes(int node) => _rangeStart[node + 1] > _rangeStart[node];

    /// <summary>The calls of a node: indices into <see cref="CallRule"/> and <see cref="CallReturn"/>.</summary>
    public (int Start, int End) Calls(int node) => (_callStart[node], _callStart[node + 1]);

    /// <summary>The node reached from <paramref name="node"/> on byte <paramref name="b"/>, or -1.</summary>
    public int Next(int node, byte b)
    {
        int end = _rangeStart[node + 1];
        for (int i = _rangeStart[node]; i < end; i++)
        {
            if (b <= _rangeHi[i])
            {
                return b >= _rangeLo[i] ? _rangeTo[i] : -1;
            }
        }
        return -1;
    }
}
