using Inference.Grammar.Automata;

namespace Inference.Grammar.Sources.StructuralTag;

/// <summary>
/// Free text that holds a trigger only as the start of a structure, as one automaton over code point sets: its states
/// are the <see cref="TriggerAutomaton"/>'s states where no trigger has appeared. The code points that complete a
/// trigger lead instead through a call of that trigger's rule (the rest of a structure), after which the search for
/// the next trigger starts over. The text may end in any of its states, so never inside a structure.
/// </summary>
internal static class TriggerFreeText
{
    /// <param name="structureRules">Per trigger, the rule of what follows it.</param>
    public static Expr Build(TriggerAutomaton triggers, IReadOnlyList<int> structureRules)
    {
        var machineState = new int[triggers.StateCount];
        var freeStates = new List<int>();
        for (int state = 0; state < triggers.StateCount; state++)
        {
            machineState[state] = triggers.Completed(state).Count == 0 ? freeStates.Count : -1;
            if (machineState[state] >= 0)
            {
                freeStates.Add(state);
            }
        }
        var edges = new List<MachineEdge>();
        foreach (int state in freeStates)
        {
            foreach (var (target, codepoints) in CodepointsByTarget(triggers, state))
            {
                var label = Utf8Sequences.ToExpr(codepoints);
                edges.Add(triggers.Completed(target) is { Count: > 0 } completed
                    ? new MachineEdge(machineState[state], Expr.Seq(label, Expr.Alt(completed.Select(t => Expr.Call(structureRules[t])).ToArray())), 0)
                    : new MachineEdge(machineState[state], label, machineState[target]));
            }
        }
        return Expr.Machine(freeStates.Count, edges, Enumerable.Range(0, freeStates.Count).ToArray());
    }

    /// <summary>The state's moves, grouped by where they lead: each trigger letter as the automaton says, every other
    /// code point back to state 0 (which completes nothing, as no trigger is empty).</summary>
    private static Dictionary<int, CodepointSet> CodepointsByTarget(TriggerAutomaton triggers, int state)
    {
        var byTarget = new Dictionary<int, CodepointSet>();
        var letters = new CodepointSet();
        for (int letter = 0; letter < triggers.Alphabet.Length; letter++)
        {
            int c = triggers.Alphabet[letter];
            letters.Add(c, c);
            Add(byTarget, triggers.Next(state, letter), CodepointSet.Of((c, c)));
        }
        var others = letters.Complement();
        if (!others.IsEmpty)
        {
            Add(byTarget, 0, others);
        }
        return byTarget;
    }

    private static void Add(Dictionary<int, CodepointSet> byTarget, int target, CodepointSet codepoints)
    {
        if (byTarget.TryGetValue(target, out var existing))
        {
            existing.Add(codepoints);
        }
        else
        {
            byTarget[target] = codepoints;
        }
    }
}
