using Inference.Grammar.Automata;
using Inference.Grammar.Sources.Json;
using Inference.Grammar.Sources.Regex;

namespace Inference.Grammar.Sources.StructuralTag;

/// <summary>
/// Compiles a <see cref="TagFormat"/> tree (xgrammar's newer structural tag) to rules. A format is compiled either
/// with what ends it (<see cref="Tail"/>: the enclosing tag's ends, or the end of the output) or followed by
/// something else (<see cref="Body"/>). Text without a limit (any_text, triggered_tags) can stand only where an end
/// follows it, as the last part of a tag's content or of the whole format: there it stops where the first of the
/// tag's ends appears (end detection, as xgrammar does it), and at the end of the output it may stop anywhere.
/// Elsewhere it is refused, naming its path. JSON schemas compile as json_schema does (strict), sharing the JSON
/// value rules; equal schemas share their rules.
/// </summary>
internal sealed class TagFormatConverter(GrammarBuilder builder, GrammarCompilerOptions options)
{
    private readonly JsonValueRules _values = new(builder, options);
    private readonly Dictionary<string, int> _schemaRules = [];

    public int Convert(TagFormat format) => builder.Add("structural_tag", Tail(format, ends: null));

    /// <summary>Text of the format, then one of <paramref name="ends"/> (null: the end of the output).</summary>
    private Expr Tail(TagFormat format, IReadOnlyList<string>? ends) => format switch
    {
        TagFormat.AnyText a => FreeText(a.Path, [], [], a.Excludes, ends, doneAfterTrigger: false),
        TagFormat.TriggeredTags t => Triggered(t, ends),
        TagFormat.Sequence s => Expr.Seq([.. s.Elements.Take(s.Elements.Count - 1).Select(Body), Tail(s.Elements[^1], ends)]),
        TagFormat.Or o => Expr.Alt([.. o.Elements.Select(e => Tail(e, ends))]),
        _ => Expr.Seq(Body(format), Ends(ends)),
    };

    /// <summary>Text of the format where something else follows it.</summary>
    private Expr Body(TagFormat format) => format switch
    {
        TagFormat.ConstString c => Expr.Literal(c.Value),
        TagFormat.JsonSchema j => Expr.Call(SchemaRule(j)),
        TagFormat.Grammar g => Expr.Call(Wrapped(g.Path + ".grammar", () => new Ebnf.EbnfParser(g.Ebnf, builder, options.MaxRepetition).Parse())),
        TagFormat.Regex r => Wrapped(r.Path + ".pattern", () => new RegexParser(r.Pattern, CharEncoding.Raw, options.MaxRepetition).Parse()),
        TagFormat.Sequence s => Expr.Seq([.. s.Elements.Select(Body)]),
        TagFormat.Or o => Expr.Alt([.. o.Elements.Select(Body)]),
        TagFormat.Repeat r => Repeat(r),
        TagFormat.Tag t => Tag(t),
        TagFormat.TagsWithSeparator w => Separated(w),
        TagFormat.TriggeredTags { AtLeastOne: true, StopAfterFirst: true } t => Triggered(t, []),
        _ => throw new GrammarException(
            $"{format.Path}: {(format is TagFormat.AnyText ? "any_text" : "triggered_tags")} has no end of its own, so it can stand only last in a tag's content (the tag's end stops it) or last in the whole format"),
    };

    private Expr Tag(TagFormat.Tag tag) => Expr.Seq(Expr.Literal(tag.Begin), Tail(tag.Content, tag.Ends));

    private static Expr Ends(IReadOnlyList<string>? ends) => ends is null ? Expr.Empty : Expr.Alt([.. ends.Select(Expr.Literal)]);

    private Expr Repeat(TagFormat.Repeat repeat)
    {
        int bound = Math.Max(repeat.Min, repeat.Max);
        if (bound > options.MaxRepetition)
        {
            throw new GrammarException($"{repeat.Path}: repetition counts above {options.MaxRepetition} are not supported");
        }
        return Expr.Repeat(Body(repeat.Content), repeat.Min, repeat.Max == TagFormat.Repeat.Unbounded ? RepeatExpr.Unbounded : repeat.Max);
    }

    /// <summary>tags_with_separator: tag (separator tag)*, or at most one tag when it stops after the first; empty unless at_least_one.</summary>
    private Expr Separated(TagFormat.TagsWithSeparator list)
    {
        var tag = Expr.Alt([.. list.Tags.Select(Tag)]);
        var tags = list.StopAfterFirst ? tag : Expr.Seq(tag, Expr.Star(Expr.Seq(Expr.Literal(list.Separator), tag)));
        return list.AtLeastOne ? tags : Expr.Optional(tags);
    }

    /// <summary>
    /// triggered_tags: free text, and after a trigger one of the tags whose begin starts with it (the rest of its
    /// begin, its content, one of its ends). at_least_one: a whole tag first, no free text before it;
    /// stop_after_first: the first tag ends the text (then one of <paramref name="ends"/>).
    /// </summary>
    private Expr Triggered(TagFormat.TriggeredTags format, IReadOnlyList<string>? ends)
    {
        if (format.AtLeastOne)
        {
            var first = Expr.Alt([.. format.Tags.Select(Tag)]);
            return format.StopAfterFirst
                ? Expr.Seq(first, Ends(ends))
                : Expr.Seq(first, FreeText(format.Path, format.Triggers, AfterTriggers(format), format.Excludes, ends, doneAfterTrigger: false));
        }
        return FreeText(format.Path, format.Triggers, AfterTriggers(format), format.Excludes, ends, format.StopAfterFirst);
    }

    /// <summary>Per trigger, the rule of what may follow it: the rest of each tag's begin that starts with it, and the tag's content and end.</summary>
    private int[] AfterTriggers(TagFormat.TriggeredTags format)
    {
        int[] owners = StructuralTagChecks.TriggerOfEachStructure(format.Triggers, [.. format.Tags.Select(t => t.Begin)],
            $"{format.Path}.triggers", $"{format.Path}.tags");
        var rules = new int[format.Triggers.Count];
        for (int t = 0; t < rules.Length; t++)
        {
            var alternatives = new List<Expr>();
            for (int i = 0; i < format.Tags.Count; i++)
            {
                if (owners[i] == t)
                {
                    var tag = format.Tags[i];
                    alternatives.Add(Expr.Seq(Expr.Literal(tag.Begin[format.Triggers[t].Length..]), Tail(tag.Content, tag.Ends)));
                }
            }
            rules[t] = builder.Add($"{format.Path}.triggers[{t}]", Expr.Alt([.. alternatives]));
        }
        return rules;
    }

    /// <summary>
    /// Free text holding no excluded word, with triggers that start structures (each trigger's rule, then one of
    /// <paramref name="ends"/> when the text stops after it), up to the first of <paramref name="ends"/>, or, with no
    /// ends, up to the end of the output.
    /// </summary>
    private static Expr FreeText(string path, IReadOnlyList<string> triggers, IReadOnlyList<int> afterTrigger, IReadOnlyList<string> excludes,
        IReadOnlyList<string>? ends, bool doneAfterTrigger)
    {
        if (ends is not null && ends.Any(e => e.Length == 0))
        {
            throw new GrammarException($"{path}: the enclosing tag's end is empty, so nothing would end this text");
        }
        var words = new List<string>();
        var roles = new List<FreeTextWord>();
        for (int t = 0; t < triggers.Count; t++)
        {
            words.Add(triggers[t]);
            roles.Add(new FreeTextWord(FreeTextWordRole.Trigger, doneAfterTrigger ? Expr.Seq(Expr.Call(afterTrigger[t]), Ends(ends)) : Expr.Call(afterTrigger[t])));
        }
        foreach (var end in ends ?? [])
        {
            words.Add(end);
            roles.Add(new FreeTextWord(FreeTextWordRole.End, Expr.Empty));
        }
        foreach (var excluded in excludes)
        {
            words.Add(excluded);
            roles.Add(new FreeTextWord(FreeTextWordRole.Excluded, Expr.Empty));
        }
        return TriggerFreeText.Build(new TriggerAutomaton(words), roles, endsAnywhere: ends is null, doneAfterTrigger);
    }

    private int SchemaRule(TagFormat.JsonSchema format)
    {
        if (!_schemaRules.TryGetValue(format.Schema, out int rule))
        {
            rule = Wrapped(format.Path + ".json_schema", () => new JsonSchemaConverter(builder, options, strict: true, values: _values).ConvertRoot(format.Schema));
            _schemaRules[format.Schema] = rule;
        }
        return rule;
    }

    /// <summary>Runs a compile step, its <see cref="GrammarException"/> naming where in the format it failed.</summary>
    private static T Wrapped<T>(string path, Func<T> compile)
    {
        try
        {
            return compile();
        }
        catch (GrammarTooLargeException)
        {
            throw;
        }
        catch (GrammarException e)
        {
            throw new GrammarException($"{path}: {e.Message}");
        }
    }
}
