using System.Text.Json;

namespace Inference.Grammar;

/// <summary>
/// What a request's output must match: a JSON Schema (OpenAI <c>response_format: json_schema</c>, vLLM
/// <c>guided_json</c>), any JSON object (<c>json_object</c>), a regular expression (<c>guided_regex</c>), an EBNF
/// grammar (<c>guided_grammar</c>), one of a list of strings (<c>guided_choice</c>) or free text with tagged JSON
/// structures (<c>structural_tag</c>). <see cref="CacheKey"/> identifies equal specs.
/// </summary>
public abstract record GrammarSpec
{
    private GrammarSpec()
    {
    }

    /// <summary>The key compiled grammars are cached by: the kind and a normalized text of the spec.</summary>
    public abstract string CacheKey { get; }

    /// <summary>A JSON Schema. With <paramref name="strict"/> (OpenAI strict mode, and xgrammar's default) a missing
    /// <c>additionalProperties</c> means false; otherwise true, as JSON Schema says.</summary>
    /// <param name="whitespacePattern">vLLM's guided_whitespace_pattern: a regex for what may stand between JSON tokens
    /// (an empty pattern: none at all); null: up to <see cref="GrammarCompilerOptions.MaxWhitespace"/> spaces, tabs or newlines.</param>
    public static GrammarSpec JsonSchema(string schemaJson, bool strict = true, string? whitespacePattern = null) =>
        new JsonSchemaSpec(Minify(schemaJson), strict, whitespacePattern);

    /// <summary>Any JSON object.</summary>
    public static GrammarSpec JsonObject(string? whitespacePattern = null) => new JsonObjectSpec(whitespacePattern);

    /// <summary>A regular expression the whole output must match.</summary>
    public static GrammarSpec Regex(string pattern) => new RegexSpec(pattern);

    /// <summary>A context-free grammar in EBNF (vLLM's <c>guided_grammar</c>: xgrammar's and llama.cpp's GBNF), start rule <c>root</c>.</summary>
    public static GrammarSpec Ebnf(string grammar) => new EbnfSpec(grammar);

    /// <summary>Exactly one of the strings.</summary>
    public static GrammarSpec Choice(IEnumerable<string> choices) => new ChoiceSpec(choices.ToArray());

    /// <summary>
    /// xgrammar's structural tag (vLLM's <c>structural_tag</c>): free text until one of the triggers appears; from there
    /// one of the structures whose begin starts with that trigger (the rest of its literal begin, JSON matching its
    /// schema, served strictly, then its literal end), and free text again after it. The output may end only in free
    /// text. Throws <see cref="GrammarException"/> naming <c>structures[i].schema</c> when a schema is not valid JSON.
    /// </summary>
    public static GrammarSpec StructuralTag(IEnumerable<string> triggers, IEnumerable<(string Begin, string Schema, string End)> structures) =>
        new StructuralTagSpec(triggers.ToArray(),
            structures.Select((s, i) => (s.Begin, Minify(s.Schema, $"structures[{i}].schema"), s.End)).ToArray());

    /// <summary>
    /// xgrammar's newer structural tag (<c>{type: structural_tag, format}</c>, vLLM's <c>structural_tag</c> and
    /// <c>response_format</c>): the <c>format</c> object's JSON text, a tree of formats (const_string, json_schema,
    /// grammar, regex, any_text, sequence, or, optional, plus, star, repeat, tag, triggered_tags,
    /// tags_with_separator). Throws <see cref="GrammarException"/> when it is not valid JSON.
    /// </summary>
    public static GrammarSpec StructuralTagFormat(string formatJson) => new StructuralTagFormatSpec(Minify(formatJson, "format"));

    private static string Minify(string json, string what = "the JSON schema")
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new GrammarException($"{what} is not valid JSON: {e.Message}");
        }
    }

    internal sealed record JsonSchemaSpec(string Schema, bool Strict, string? WhitespacePattern = null) : GrammarSpec
    {
        public override string CacheKey => $"json_schema:{(Strict ? "strict" : "lax")}:{WhitespaceKey(WhitespacePattern)}{Schema}";
    }

    internal sealed record JsonObjectSpec(string? WhitespacePattern = null) : GrammarSpec
    {
        public override string CacheKey => $"json_object:{WhitespaceKey(WhitespacePattern)}";
    }

    /// <summary>The whitespace pattern's part of a cache key (its length first, so no pattern can run into the schema).</summary>
    private static string WhitespaceKey(string? pattern) => pattern is null ? "" : $"ws{pattern.Length}:{pattern}:";

    internal sealed record RegexSpec(string Pattern) : GrammarSpec
    {
        public override string CacheKey => $"regex:{Pattern}";
    }

    internal sealed record EbnfSpec(string Grammar) : GrammarSpec
    {
        public override string CacheKey => $"ebnf:{Grammar}";
    }

    internal sealed record ChoiceSpec(string[] Choices) : GrammarSpec
    {
        public override string CacheKey => $"choice:{JsonSerializer.Serialize(Choices)}";
    }

    internal sealed record StructuralTagSpec(string[] Triggers, (string Begin, string Schema, string End)[] Structures) : GrammarSpec
    {
        /// <summary>Two JSON arrays (triggers, then [begin, schema, end] per structure): each ends where its bracket closes.</summary>
        public override string CacheKey =>
            $"structural_tag:{JsonSerializer.Serialize(Triggers)}{JsonSerializer.Serialize(Structures.Select(s => new[] { s.Begin, s.Schema, s.End }))}";
    }

    internal sealed record StructuralTagFormatSpec(string Format) : GrammarSpec
    {
        public override string CacheKey => $"structural_tag_format:{Format}";
    }
}
