using Inference.Grammar.Automata;
using Inference.Grammar.Sources.Json;

namespace Inference.Grammar.Sources.StructuralTag;

/// <summary>
/// Compiles a structural tag to rules: the root is <see cref="TriggerFreeText"/>; per trigger a rule of what may
/// follow it, one alternative per structure whose begin starts with it: the rest of the begin, the schema's JSON (as
/// <c>json_schema</c> compiles it, strict, with the default whitespace), then the end. Begin and end are literal
/// text. Structures with the same schema share its rules, and all schemas share the JSON value rules.
/// </summary>
internal sealed class StructuralTagConverter(GrammarBuilder builder, GrammarCompilerOptions options)
{
    private readonly JsonValueRules _values = new(builder, options);
    private readonly Dictionary<string, int> _schemaRules = [];

    public int Convert(IReadOnlyList<string> triggers, IReadOnlyList<(string Begin, string Schema, string End)> structures)
    {
        int[] owners = StructuralTagChecks.TriggerOfEachStructure(triggers, structures.Select(s => s.Begin).ToArray());
        var afterTrigger = new int[triggers.Count];
        for (int t = 0; t < triggers.Count; t++)
        {
            var alternatives = new List<Expr>();
            for (int i = 0; i < structures.Count; i++)
            {
                if (owners[i] == t)
                {
                    var (begin, schema, end) = structures[i];
                    alternatives.Add(Expr.Seq(Expr.Literal(begin[triggers[t].Length..]), Expr.Call(SchemaRule(schema, i)), Expr.Literal(end)));
                }
            }
            afterTrigger[t] = builder.Add($"after trigger {t}", Expr.Alt(alternatives.ToArray()));
        }
        return builder.Add("structural_tag", TriggerFreeText.Build(
            new TriggerAutomaton(triggers), [.. afterTrigger.Select(rule => new FreeTextWord(FreeTextWordRole.Trigger, Expr.Call(rule)))], endsAnywhere: true));
    }

    private int SchemaRule(string schema, int structure)
    {
        if (!_schemaRules.TryGetValue(schema, out int rule))
        {
            try
            {
                rule = new JsonSchemaConverter(builder, options, strict: true, values: _values).ConvertRoot(schema);
            }
            catch (GrammarException e)
            {
                throw new GrammarException($"structures[{structure}].schema: {e.Message}");
            }
            _schemaRules[schema] = rule;
        }
        return rule;
    }
}
