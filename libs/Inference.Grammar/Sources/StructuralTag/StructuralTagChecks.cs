namespace Inference.Grammar.Sources.StructuralTag;

/// <summary>
/// What a structural tag must be before it can be compiled, as xgrammar requires it: triggers, none empty and none a
/// prefix of another (so a text's first trigger is never in doubt); structures whose begin starts with a trigger;
/// and no trigger that begins no structure. Messages name the field (<c>triggers[i]</c>, <c>structures[i].begin</c>).
/// </summary>
internal static class StructuralTagChecks
{
    /// <summary>Per structure, the index of the trigger its begin starts with; throws <see cref="GrammarException"/>.</summary>
    public static int[] TriggerOfEachStructure(IReadOnlyList<string> triggers, IReadOnlyList<string> begins)
    {
        if (triggers.Count == 0)
        {
            throw new GrammarException("triggers must list at least one trigger");
        }
        if (begins.Count == 0)
        {
            throw new GrammarException("structures must list at least one structure");
        }
        for (int i = 0; i < triggers.Count; i++)
        {
            if (triggers[i].Length == 0)
            {
                throw new GrammarException($"triggers[{i}] is empty");
            }
            for (int j = 0; j < i; j++)
            {
                var (shorter, longer) = triggers[i].Length < triggers[j].Length ? (i, j) : (j, i);
                if (triggers[longer].StartsWith(triggers[shorter], StringComparison.Ordinal))
                {
                    throw new GrammarException(triggers[i] == triggers[j]
                        ? $"triggers[{i}] \"{triggers[i]}\" repeats triggers[{j}]"
                        : $"triggers[{shorter}] \"{triggers[shorter]}\" is a prefix of triggers[{longer}] \"{triggers[longer]}\"; triggers must not be prefixes of one another");
                }
            }
        }
        var owners = new int[begins.Count];
        for (int i = 0; i < begins.Count; i++)
        {
            if (begins[i].Length == 0)
            {
                throw new GrammarException($"structures[{i}].begin is empty");
            }
            owners[i] = Enumerable.Range(0, triggers.Count).FirstOrDefault(t => begins[i].StartsWith(triggers[t], StringComparison.Ordinal), -1);
            if (owners[i] < 0)
            {
                throw new GrammarException($"structures[{i}].begin \"{begins[i]}\" does not start with any of the triggers");
            }
        }
        for (int t = 0; t < triggers.Count; t++)
        {
            if (!owners.Contains(t))
            {
                throw new GrammarException($"triggers[{t}] \"{triggers[t]}\" starts no structure's begin");
            }
        }
        return owners;
    }
}
