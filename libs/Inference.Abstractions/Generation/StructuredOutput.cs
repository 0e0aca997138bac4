namespace Inference.Abstractions.Generation;

/// <summary>
/// What a request's output must match (structured output): a JSON Schema, any JSON object, a regular expression,
/// a grammar, exactly one of a list of strings, or free text with tagged JSON structures (a structural tag). The worker turns it into a token mask at every step.
/// </summary>
public abstract record StructuredOutput
{
    private StructuredOutput()
    {
    }

    /// <summary>
    /// The grammar starts after the model's reasoning, as vLLM's structured output does under a reasoning parser: it
    /// applies from the token after <c>&lt;/think&gt;</c> (from the first token when the prompt already closed the
    /// block, as Qwen3's template does with thinking off). A vocabulary without a <c>&lt;/think&gt;</c> token has no
    /// reasoning to wait for, so there the grammar applies from the first token.
    /// </summary>
    public bool AfterReasoning { get; init; }

    /// <summary>
    /// vLLM's guided_whitespace_pattern, for the JSON kinds: a regex for what may stand between JSON tokens (empty: no
    /// whitespace at all, compact JSON). Null: the grammar's bounded default.
    /// </summary>
    public string? WhitespacePattern { get; init; }

    /// <summary>A JSON Schema (OpenAI <c>response_format: json_schema</c>, vLLM <c>guided_json</c>). With
    /// <paramref name="Strict"/> a missing <c>additionalProperties</c> means false.</summary>
    public sealed record JsonSchema(string Schema, bool Strict = true) : StructuredOutput;

    /// <summary>Any JSON object (OpenAI <c>response_format: json_object</c>).</summary>
    public sealed record JsonObject : StructuredOutput;

    /// <summary>A regular expression the whole output must match (vLLM <c>guided_regex</c>).</summary>
    public sealed record Regex(string Pattern) : StructuredOutput;

    /// <summary>A context-free grammar in EBNF whose start rule is <c>root</c> (vLLM <c>guided_grammar</c>).</summary>
    public sealed record Grammar(string Ebnf) : StructuredOutput;

    /// <summary>Exactly one of the strings (vLLM <c>guided_choice</c>).</summary>
    public sealed record Choice(IReadOnlyList<string> Choices) : StructuredOutput;

    /// <summary>
    /// xgrammar's structural tag (vLLM <c>structural_tag</c>, <c>response_format: structural_tag</c>): free text until
    /// one of the <paramref name="Triggers"/> appears; from there the output continues as one of the
    /// <paramref name="Structures"/> whose begin starts with that trigger, and free text resumes after its end.
    /// </summary>
    public sealed record StructuralTag(IReadOnlyList<string> Triggers, IReadOnlyList<TagStructure> Structures) : StructuredOutput;

    /// <summary>
    /// xgrammar's newer structural tag (<c>{type: structural_tag, format}</c>, as vLLM takes it in
    /// <c>response_format</c> and <c>structured_outputs.structural_tag</c>): <paramref name="Format"/> is the format
    /// object as JSON text, a tree of text chunks (literal strings, JSON schemas, grammars, regexes, free text, tags,
    /// triggered tags, ...), read and checked by the grammar engine.
    /// </summary>
    public sealed record StructuralTagFormat(string Format) : StructuredOutput;

    /// <summary>One structure of a <see cref="StructuralTag"/>: the literal <paramref name="Begin"/>, JSON matching
    /// <paramref name="Schema"/> (JSON Schema text, served strictly), then the literal <paramref name="End"/>.</summary>
    public sealed record TagStructure(string Begin, string Schema, string End);
}
