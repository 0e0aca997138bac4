namespace Inference.Grammar.Sources.StructuralTag;

/// <summary>
/// What a structural tag must be before it can be compiled, as xgrammar requires it: triggers, none empty and none a
/// prefix of another (so a text's first trigger is never in doubt); structures whose begin starts with a trigger;
/// and no trigger that begins no structure. Messages name the field (<c>triggers[i]</c>, <c>structures[i].begin</c>).
/// </summary>
internal static class StructuralTagChecks
{
    /// <summary>Per structure, the index of the trigger its begin starts with; throws <see cref="GrammarException"/>.</summary>
    /// <param name="triggersName">How the request names the triggers (<c>triggers</c>, or a newer tag's <c>format.triggers</c>).</param>
    /// <param name="structuresName">How it names the structures (<c>structures</c>, or <c>format.tags</c>).</param>
    public static int[] TriggerOfEachStructure(IReadOnlyList<string> triggers, IReadOnlyList<string> begins, string triggersName = "triggers", string structuresName = "structures")
    {
        if (triggers.Count == 0)
        {
            throw new GrammarException($"{triggersName} must list at least one trigger");
        }
        if (begins.Count == 0)
        {
            throw new GrammarException($"{structuresName} must list at least one structure");
        }
        for (int i = 0; i < triggers.Count; i++)
        {
            if (triggers[i].Length == 0)
            {
                throw new GrammarException($"{triggersName}[{i}] is empty");
            }
            for (int j = 0; j < i; j++)
            {
                var (shorter, longer) = triggers[i].Length < triggers[j].Length ? (i, j) : (j, i);
                if (triggers[longer].StartsWith(triggers[shorter], StringComparison.Ordinal))
                {
                    throw new GrammarException(triggers[i] == triggers[j]
                        ? $"{triggersName}[{i}] \"{triggers[i]}\" repeats {triggersName}[{j}]"
                        : $"{triggersName}[{shorter}] \"{triggers[shorter]}\" is a prefix of {triggersName}[{longer}] \"{triggers[longer]}\"; triggers must not be prefixes of one another");
                }
            }
        }
        var owners = new int[begins.Count];
        for (int i = 0; i < begins.Count; i++)
        {
            if (begins[i].Length == 0)
            {
                throw new GrammarException($"{structuresName}[{i}].begin is empty");
            }
            owners[i] = Enumerable.Range(0, triggers.Count).FirstOrDefault(t => begins[i].StartsWith(triggers[t], StringComparison.Ordinal), -1);
            if (owners[i] < 0)
            {
                throw new GrammarException($"{structuresName}[{i}].begin \"{begins[i]}\" does not start with any of the triggers");
            }
        }
        for (int t = 0; t < triggers.Count; t++)
        {
            if (!owners.Contains(t))
            {
                throw new GrammarException($"{triggersName}[{t}] \"{triggers[t]}\" starts no {(structuresName == "structures" ? "structure" : "tag")}'s begin");
            }
        }
        return owners;
    }
}
