namespace Inference.Grammar.Automata;

/// <summary>Subset construction from a rule's <see cref="Nfa"/> to its <see cref="RuleDfa"/>, then trimming of dead states.</summary>
internal static class Determinizer
{
    public static RuleDfa Determinize(Nfa nfa, int start, int accept, int maxStates)
    {
        var dfa = new RuleDfa();
        var index = new Dictionary<int[], int>(SetComparer.Instance);
        var queue = new Queue<int[]>();
        var sets = new List<int[]>();

        int Intern(int[] set)
        {
            if (!index.TryGetValue(set, out int id))
            {
                if (sets.Count >= maxStates)
                {
                    throw new GrammarTooLargeException($"a rule's automaton exceeds {maxStates} states");
                }
                id = sets.Count;
                index[set] = id;
                sets.Add(set);
                dfa.States.Add(new RuleDfaState { Final = Array.BinarySearch(set, accept) >= 0 });
                queue.Enqueue(set);
            }
            return id;
        }

        Intern(Closure(nfa, [start]));
        while (queue.Count > 0)
        {
            var set = queue.Dequeue();
            var state = dfa.States[index[set]];
            AddByteTransitions(nfa, set, state, Intern);
            foreach (var group in set.SelectMany(s => nfa.Calls[s]).GroupBy(c => c.Rule).OrderBy(g => g.Key))
            {
                state.Calls.Add((group.Key, Intern(Closure(nfa, group.Select(c => c.To)))));
            }
        }
        return Trim(dfa);
    }

    private static void AddByteTransitions(Nfa nfa, int[] set, RuleDfaState state, Func<int[], int> intern)
    {
        var edges = set.SelectMany(s => nfa.Bytes[s]).ToList();
        if (edges.Count == 0)
        {
            return;
        }
        var cuts = new SortedSet<int>();
        foreach (var (lo, hi, _) in edges)
        {
            cuts.Add(lo);
            cuts.Add(hi + 1);
        }
        var points = cuts.ToArray();
        var targets = new List<int>();
        for (int i = 0; i + 1 < points.Length; i++)
        {
            int lo = points[i], hi = points[i + 1] - 1;
            targets.Clear();
            foreach (var edge in edges)
            {
                if (edge.Lo <= lo && hi <= edge.Hi)
                {
                    targets.Add(edge.To);
                }
            }
            if (targets.Count == 0)
            {
                continue;
            }
            int to = intern(Closure(nfa, targets));
            var last = state.Bytes.Count > 0 ? state.Bytes[^1] : default;
            if (state.Bytes.Count > 0 && last.To == to && last.Hi + 1 == lo)
            {
                state.Bytes[^1] = (last.Lo, (byte)hi, to);
            }
            else
            {
                state.Bytes.Add(((byte)lo, (byte)hi, to));
            }
        }
    }

    private static int[] Closure(Nfa nfa, IEnumerable<int> seeds)
    {
        var seen = new HashSet<int>();
        var stack = new Stack<int>();
        foreach (int s in seeds)
        {
            if (seen.Add(s))
            {
                stack.Push(s);
            }
        }
        while (stack.Count > 0)
        {
            foreach (int next in nfa.Epsilon[stack.Pop()])
            {
                if (seen.Add(next))
                {
                    stack.Push(next);
                }
            }
        }
        // Only states with outgoing bytes or calls, or the accept state, distinguish subsets.
        var result = seen.Where(s => nfa.Bytes[s].Count > 0 || nfa.Calls[s].Count > 0 || nfa.Epsilon[s].Count == 0).ToArray();
        Array.Sort(result);
        return result;
    }

    private static RuleDfa Trim(RuleDfa dfa)
    {
        int n = dfa.States.Count;
        var reverse = new List<int>[n];
        for (int i = 0; i < n; i++)
        {
            reverse[i] = [];
        }
        for (int i = 0; i < n; i++)
        {
            foreach (var edge in dfa.States[i].Bytes)
            {
                reverse[edge.To].Add(i);
            }
            foreach (var call in dfa.States[i].Calls)
            {
                reverse[call.To].Add(i);
            }
        }
        var live = new bool[n];
        var stack = new Stack<int>(Enumerable.Range(0, n).Where(i => dfa.States[i].Final));
        foreach (int s in stack)
        {
            live[s] = true;
        }
        while (stack.Count > 0)
        {
            foreach (int p in reverse[stack.Pop()])
            {
                if (!live[p])
                {
                    live[p] = true;
                    stack.Push(p);
                }
            }
        }
        if (!live[RuleDfa.Start])
        {
            throw new GrammarException("the grammar matches no string");
        }
        var map = new int[n];
        var trimmed = new RuleDfa();
        for (int i = 0; i < n; i++)
        {
            map[i] = live[i] ? trimmed.States.Count : -1;
            if (live[i])
            {
                trimmed.States.Add(new RuleDfaState { Final = dfa.States[i].Final });
            }
        }
        for (int i = 0; i < n; i++)
        {
            if (!live[i])
            {
                continue;
            }
            var target = trimmed.States[map[i]];
            target.Bytes.AddRange(dfa.States[i].Bytes.Where(e => live[e.To]).Select(e => (e.Lo, e.Hi, map[e.To])));
            target.Calls.AddRange(dfa.States[i].Calls.Where(c => live[c.To]).Select(c => (c.Rule, map[c.To])));
        }
        return trimmed;
    }

    private sealed class SetComparer : IEqualityComparer<int[]>
    {
        public static readonly SetComparer Instance = new();

        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(int[] set)
        {
            var hash = new HashCode();
            foreach (int s in set)
            {
                hash.Add(s);
            }
            return hash.ToHashCode();
        }
    }
}
