namespace Inference.Grammar.Sources.StructuralTag;

/// <summary>
/// One format object of xgrammar's newer structural tag (<c>{type: structural_tag, format}</c>), a tree of text chunks;
/// <see cref="Path"/> is where it stands in the request (<c>format.elements[1]</c>), for messages. Read by
/// <see cref="TagFormatReader"/>, compiled by <see cref="TagFormatConverter"/>.
/// </summary>
internal abstract record TagFormat(string Path)
{
    /// <summary>Exactly this text.</summary>
    public sealed record ConstString(string Path, string Value) : TagFormat(Path);

    /// <summary>JSON matching the schema (served strictly, as json_schema is).</summary>
    public sealed record JsonSchema(string Path, string Schema) : TagFormat(Path);

    /// <summary>Text of an EBNF grammar (start rule <c>root</c>).</summary>
    public sealed record Grammar(string Path, string Ebnf) : TagFormat(Path);

    /// <summary>Text matching a regular expression.</summary>
    public sealed record Regex(string Path, string Pattern) : TagFormat(Path);

    /// <summary>Any text holding none of <paramref name="Excludes"/>; it ends where the enclosing tag's end first appears.</summary>
    public sealed record AnyText(string Path, IReadOnlyList<string> Excludes) : TagFormat(Path);

    /// <summary>The elements one after another.</summary>
    public sealed record Sequence(string Path, IReadOnlyList<TagFormat> Elements) : TagFormat(Path);

    /// <summary>One of the elements.</summary>
    public sealed record Or(string Path, IReadOnlyList<TagFormat> Elements) : TagFormat(Path);

    /// <summary>The content Min to Max times (<see cref="Unbounded"/>: no upper limit): optional, plus, star, repeat.</summary>
    public sealed record Repeat(string Path, TagFormat Content, int Min, int Max) : TagFormat(Path)
    {
        public const int Unbounded = -1;
    }

    /// <summary>The literal begin, the content, then one of the literal ends.</summary>
    public sealed record Tag(string Path, string Begin, TagFormat Content, IReadOnlyList<string> Ends) : TagFormat(Path);

    /// <summary>
    /// Free text (holding none of <paramref name="Excludes"/>) until a trigger appears; from there one of the tags whose
    /// begin starts with it, then free text again. <paramref name="AtLeastOne"/>: a tag first, no free text before it;
    /// <paramref name="StopAfterFirst"/>: nothing after the first tag.
    /// </summary>
    public sealed record TriggeredTags(string Path, IReadOnlyList<string> Triggers, IReadOnlyList<Tag> Tags, bool AtLeastOne, bool StopAfterFirst,
        IReadOnlyList<string> Excludes) : TagFormat(Path);

    /// <summary>Tags, each one of <paramref name="Tags"/>, with the separator between them and nothing else around them.</summary>
    public sealed record TagsWithSeparator(string Path, IReadOnlyList<Tag> Tags, string Separator, bool AtLeastOne, bool StopAfterFirst)
        : TagFormat(Path);

    /// <summary>
    /// Whether text of this format, whichever way it goes, ends in text that may go on without limit (any_text, or
    /// triggered_tags that does not stop after its first tag), so that it is never complete: only what follows it
    /// can end it, and at the end of the output the grammar never forces EOS.
    /// </summary>
    public bool EndsUnlimited => this switch
    {
        AnyText => true,
        TriggeredTags t => !t.StopAfterFirst,
        Sequence s => s.Elements[^1].EndsUnlimited,
        Or o => o.Elements.All(e => e.EndsUnlimited),
        _ => false,
    };
}
