namespace Inference.Grammar.Automata;

/// <summary>
/// Refuses grammars where a rule can reach a call of itself without consuming a byte (left recursion, such as a
/// <c>$ref</c> cycle through <c>anyOf</c>): a pushdown matcher would push forever.
/// </summary>
internal static class LeftRecursionCheck
{
    public static void ThrowIfLeftRecursive(GrammarAutomaton grammar)
    {
        int rules = grammar.RuleStart.Length;
        var nullable = new bool[rules];
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int r = 0; r < rules; r++)
            {
                if (!nullable[r] && EmptyReach(grammar, r, nullable, null))
                {
                    nullable[r] = changed = true;
                }
            }
        }
        // Left-call graph: r -> callee reachable from r's start through nullable calls only.
        var edges = new List<int>[rules];
        for (int r = 0; r < rules; r++)
        {
            edges[r] = [];
            EmptyReach(grammar, r, nullable, edges[r]);
        }
        var state = new int[rules];
        for (int r = 0; r < rules; r++)
        {
            Visit(r, edges, state, grammar.RuleNames);
        }
    }

    private static bool EmptyReach(GrammarAutomaton grammar, int rule, bool[] nullable, List<int>? callees)
    {
        var seen = new HashSet<int> { grammar.RuleStart[rule] };
        var stack = new Stack<int>(seen);
        bool reachesEnd = false;
        while (stack.Count > 0)
        {
            int node = stack.Pop();
            reachesEnd |= grammar.IsFinal[node];
            var (start, end) = grammar.Calls(node);
            for (int c = start; c < end; c++)
            {
                callees?.Add(grammar.CallRule[c]);
                if (nullable[grammar.CallRule[c]] && seen.Add(grammar.CallReturn[c]))
                {
                    stack.Push(grammar.CallReturn[c]);
                }
            }
        }
        return reachesEnd;
    }

    private static void Visit(int rule, List<int>[] edges, int[] state, string[] names)
    {
        if (state[rule] == 2)
        {
            return;
        }
        if (state[rule] == 1)
        {
            throw new GrammarException($"the grammar is left-recursive through '{names[rule]}' (a reference cycle that consumes no text)");
        }
        state[rule] = 1;
        foreach (int callee in edges[rule])
        {
            Visit(callee, edges, state, names);
        }
        state[rule] = 2;
    }
}
