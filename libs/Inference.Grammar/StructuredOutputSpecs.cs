using Inference.Abstractions.Generation;

namespace Inference.Grammar;

/// <summary>The engine's <see cref="StructuredOutput"/> request field as the grammar spec it compiles to.</summary>
public static class StructuredOutputSpecs
{
    /// <summary>The spec; throws <see cref="GrammarException"/> when a JSON schema (a structure's included) is not valid JSON.</summary>
    public static GrammarSpec ToGrammarSpec(this StructuredOutput output) => output switch
    {
        StructuredOutput.JsonSchema s => GrammarSpec.JsonSchema(s.Schema, s.Strict, s.WhitespacePattern),
        StructuredOutput.JsonObject s => GrammarSpec.JsonObject(s.WhitespacePattern),
        StructuredOutput.Regex r => GrammarSpec.Regex(r.Pattern),
        StructuredOutput.Grammar g => GrammarSpec.Ebnf(g.Ebnf),
        StructuredOutput.Choice c => GrammarSpec.Choice(c.Choices),
        StructuredOutput.StructuralTag t => GrammarSpec.StructuralTag(t.Triggers, t.Structures.Select(s => (s.Begin, s.Schema, s.End))),
        StructuredOutput.StructuralTagFormat f => GrammarSpec.StructuralTagFormat(f.Format),
        _ => throw new ArgumentOutOfRangeException(nameof(output), output, "unknown structured output kind"),
    };

    /// <summary>
    /// Whether the grammar may be complete, and then end the output with EOS: every kind but a structural tag whose
    /// text ends, whichever way it goes, in free text (the older form always does), which any text may follow.
    /// Call it on a validated spec.
    /// </summary>
    public static bool MayEndWithEos(StructuredOutput output) => output switch
    {
        StructuredOutput.StructuralTag => false,
        StructuredOutput.StructuralTagFormat f => !Sources.StructuralTag.TagFormatReader.Read(f.Format).EndsUnlimited,
        _ => true,
    };

    /// <summary>
    /// Refuses a spec the engine cannot serve before the request runs, without a vocabulary: throws
    /// <see cref="GenerationValidationException"/> for <paramref name="field"/> (as the API spells it) with the
    /// engine's message, which names the unsupported keyword or regex feature and where it is.
    /// </summary>
    public static void Validate(StructuredOutput output, string field, GrammarCompilerOptions? options = null)
    {
        try
        {
            GrammarCompiler.Validate(output.ToGrammarSpec(), options);
        }
        catch (GrammarException e)
        {
            throw new GenerationValidationException(field, $"{field}: {e.Message}");
        }
    }
}
