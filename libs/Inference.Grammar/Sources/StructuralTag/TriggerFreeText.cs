using Inference.Grammar.Automata;

namespace Inference.Grammar.Sources.StructuralTag;

/// <summary>What a word watched for in free text does when it first appears.</summary>
internal enum FreeTextWordRole
{
    /// <summary>Starts a structure: the word's <see cref="FreeTextWord.Then"/> follows, then free text starts over
    /// (or, where the text stops after a structure, it is done).</summary>
    Trigger,

    /// <summary>Ends the free text (the enclosing tag's end): the text is done.</summary>
    End,

    /// <summary>May not appear (any_text's and triggered_tags' excludes).</summary>
    Excluded,
}

/// <summary>A watched word's role and, for a trigger, what follows it (the rest of a structure).</summary>
internal readonly record struct FreeTextWord(FreeTextWordRole Role, Expr Then);

/// <summary>
/// Free text that holds its watched words only where they act, as one automaton over code point sets: its states are
/// the <see cref="TriggerAutomaton"/>'s states where no word has appeared, plus a done state. The code points that
/// complete a trigger lead through what follows it (a call of the structure's rule), after which the search starts
/// over; those that complete an end lead to the done state; those that complete an excluded word lead nowhere. Where
/// several words complete at once, an end wins over an excluded word, and that over a trigger (an end listed among
/// the excludes, as xgrammar's examples do, still ends the text).
/// </summary>
internal static class TriggerFreeText
{
    /// <param name="roles">Per word of <paramref name="words"/>, its role.</param>
    /// <param name="endsAnywhere">Whether the text may end in any free state (the end of the output), not only by an end word.</param>
    /// <param name="doneAfterTrigger">Whether a structure finishes the text (triggered_tags' stop_after_first).</param>
    public static Expr Build(TriggerAutomaton words, IReadOnlyList<FreeTextWord> roles, bool endsAnywhere, bool doneAfterTrigger = false)
    {
        var machineState = new int[words.StateCount];
        var freeStates = new List<int>();
        for (int state = 0; state < words.StateCount; state++)
        {
            machineState[state] = words.Completed(state).Count == 0 ? freeStates.Count : -1;
            if (machineState[state] >= 0)
            {
                freeStates.Add(state);
            }
        }
        int done = freeStates.Count;
        var edges = new List<MachineEdge>();
        foreach (int state in freeStates)
        {
            foreach (var (target, codepoints) in CodepointsByTarget(words, state))
            {
                var label = Utf8Sequences.ToExpr(codepoints);
                var completed = words.Completed(target);
                if (completed.Count == 0)
                {
                    edges.Add(new MachineEdge(machineState[state], label, machineState[target]));
                }
                else if (completed.Any(w => roles[w].Role == FreeTextWordRole.End))
                {
                    edges.Add(new MachineEdge(machineState[state], label, done));
                }
                else if (completed.All(w => roles[w].Role == FreeTextWordRole.Trigger))
                {
                    var then = Expr.Alt(completed.Select(w => roles[w].Then).ToArray());
                    edges.Add(new MachineEdge(machineState[state], Expr.Seq(label, then), doneAfterTrigger ? done : 0));
                }
            }
        }
        var finals = endsAnywhere ? Enumerable.Range(0, freeStates.Count + 1) : [done];
        return Expr.Machine(freeStates.Count + 1, edges, finals.ToArray());
    }

    /// <summary>The state's moves, grouped by where they lead: each word letter as the automaton says, every other
    /// code point back to state 0 (which completes nothing, as no word is empty).</summary>
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
