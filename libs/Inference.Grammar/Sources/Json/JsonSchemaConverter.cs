using System.Text.Json;
using Inference.Grammar.Automata;

namespace Inference.Grammar.Sources.Json;

/// <summary>
/// Converts a JSON Schema into grammar rules: one rule per distinct subschema (shared when the same subschema text
/// appears again, and declared before it is defined so <c>$ref</c> recursion works), with the rules of
/// <see cref="JsonValueRules"/> for strings, numbers and unconstrained values. See the partial files for objects,
/// arrays and scalars.
/// </summary>
/// <param name="values">The value rules to build on, when several schemas share one grammar; null: its own.</param>
internal sealed partial class JsonSchemaConverter(GrammarBuilder builder, GrammarCompilerOptions options, bool strict, Expr? whitespace = null,
    JsonValueRules? values = null)
{
    private readonly JsonValueRules _values = values ?? new(builder, options, whitespace);
    private readonly Dictionary<string, int> _rulesBySchema = [];
    private readonly Dictionary<string, int> _rulesByRef = [];
    private JsonElement _root;

    public int ConvertRoot(string schemaJson)
    {
        using var document = JsonDocument.Parse(schemaJson);
        _root = document.RootElement.Clone();
        return RuleFor(_root, "");
    }

    private int RuleFor(JsonElement schema, string path)
    {
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference) &&
            schema.EnumerateObject().All(p => p.Name == "$ref" || SchemaKeywords.IsInert(p.Name)))
        {
            return RefRule(reference, path);
        }
        string key = schema.GetRawText();
        if (_rulesBySchema.TryGetValue(key, out int rule))
        {
            return rule;
        }
        if (schema.ValueKind == JsonValueKind.True || IsEmptyObject(schema))
        {
            return _rulesBySchema[key] = _values.Value;
        }
        rule = builder.Declare(path.Length == 0 ? "root" : path);
        _rulesBySchema[key] = rule;
        builder.Define(rule, ExprFor(schema, path));
        return rule;
    }

    private Expr ExprFor(JsonElement schema, string path)
    {
        if (schema.ValueKind == JsonValueKind.False)
        {
            throw new UnsupportedSchemaException("false", path, "a schema that matches nothing");
        }
        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw new UnsupportedSchemaException("schema", path, "a schema must be an object or a boolean");
        }
        foreach (var property in schema.EnumerateObject())
        {
            if (!SchemaKeywords.Supported.Contains(property.Name) && !SchemaKeywords.IsInert(property.Name))
            {
                throw new UnsupportedSchemaException(property.Name, path);
            }
        }
        if (schema.TryGetProperty("$ref", out var reference))
        {
            RefuseSiblings(schema, path, "$ref");
            return Expr.Call(RefRule(reference, path));
        }
        if (schema.TryGetProperty("const", out var constant))
        {
            RefuseSiblings(schema, path, "const", "type");
            return Expr.Literal(JsonLiteral.Of(constant));
        }
        if (schema.TryGetProperty("enum", out var values))
        {
            return EnumExpr(schema, values, path);
        }
        foreach (string combinator in new[] { "anyOf", "oneOf" })
        {
            if (schema.TryGetProperty(combinator, out var alternatives))
            {
                RefuseSiblings(schema, path, combinator);
                var items = SubschemaArray(alternatives, combinator, path);
                return Expr.Alt(items.Select((s, i) => Expr.Call(RuleFor(s, $"{path}/{combinator}/{i}"))).ToArray());
            }
        }
        if (schema.TryGetProperty("allOf", out var all))
        {
            RefuseSiblings(schema, path, "allOf");
            var items = SubschemaArray(all, "allOf", path);
            if (items.Length != 1)
            {
                throw new UnsupportedSchemaException("allOf", path, "only a single subschema is supported");
            }
            return Expr.Call(RuleFor(items[0], $"{path}/allOf/0"));
        }
        var types = TypesOf(schema, path);
        if (types.Count == 0)
        {
            return Expr.Call(_values.Value);
        }
        return Expr.Alt(types.Select(t => TypeExpr(t, schema, path)).ToArray());
    }

    private Expr TypeExpr(string type, JsonElement schema, string path) => type switch
    {
        "object" => ObjectExpr(schema, path),
        "array" => ArrayExpr(schema, path),
        "string" => StringExpr(schema, path),
        "integer" => IntegerExpr(schema, path),
        "number" => NumberExpr(schema, path),
        "boolean" => Expr.Alt(Expr.Literal("true"), Expr.Literal("false")),
        "null" => Expr.Literal("null"),
        _ => throw new UnsupportedSchemaException("type", path, $"unknown type '{type}'"),
    };

    private static List<string> TypesOf(JsonElement schema, string path)
    {
        if (schema.TryGetProperty("type", out var type))
        {
            if (type.ValueKind == JsonValueKind.String)
            {
                return [type.GetString()!];
            }
            if (type.ValueKind == JsonValueKind.Array && type.GetArrayLength() > 0 &&
                type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String))
            {
                return type.EnumerateArray().Select(t => t.GetString()!).Distinct().ToList();
            }
            throw new UnsupportedSchemaException("type", path, "must be a type name or a non-empty array of them");
        }
        // No "type": the kinds the keywords constrain (an unconstrained schema allows any value).
        var inferred = new List<string>();
        bool Has(params string[] keywords) => keywords.Any(k => schema.TryGetProperty(k, out _));
        if (Has("properties", "required", "additionalProperties"))
        {
            inferred.Add("object");
        }
        if (Has("items", "prefixItems", "minItems", "maxItems"))
        {
            inferred.Add("array");
        }
        if (Has("minLength", "maxLength", "pattern", "format"))
        {
            inferred.Add("string");
        }
        if (Has("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"))
        {
            inferred.Add("number");
        }
        return inferred;
    }

    private Expr EnumExpr(JsonElement schema, JsonElement values, string path)
    {
        RefuseSiblings(schema, path, "enum", "type");
        if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
        {
            throw new UnsupportedSchemaException("enum", path, "must be a non-empty array");
        }
        return Expr.Alt(values.EnumerateArray().Select(v => JsonLiteral.Of(v)).Distinct().Select(Expr.Literal).ToArray());
    }

    private int RefRule(JsonElement reference, string path)
    {
        string target = reference.ValueKind == JsonValueKind.String ? reference.GetString()! : "";
        if (_rulesByRef.TryGetValue(target, out int rule))
        {
            return rule;
        }
        var schema = Resolve(target, path);
        string key = schema.GetRawText();
        if (_rulesBySchema.TryGetValue(key, out rule))
        {
            return _rulesByRef[target] = rule;
        }
        if (schema.ValueKind == JsonValueKind.True || IsEmptyObject(schema))
        {
            return _rulesByRef[target] = _values.Value;
        }
        string refPath = target.Length > 1 ? target[1..] : "";
        rule = builder.Declare(target);
        _rulesByRef[target] = rule;
        _rulesBySchema[key] = rule;
        builder.Define(rule, ExprFor(schema, refPath));
        return rule;
    }

    private JsonElement Resolve(string reference, string path)
    {
        if (reference == "#")
        {
            return _root;
        }
        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            throw new UnsupportedSchemaException("$ref", path, $"only local references (#/$defs/..., #/definitions/..., #) are supported, not '{reference}'");
        }
        var current = _root;
        foreach (string raw in reference[2..].Split('/'))
        {
            string segment = Uri.UnescapeDataString(raw).Replace("~1", "/").Replace("~0", "~");
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out var next))
            {
                current = next;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, out int index) &&
                     index >= 0 && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                throw new UnsupportedSchemaException("$ref", path, $"'{reference}' does not resolve");
            }
        }
        return current;
    }

    private static JsonElement[] SubschemaArray(JsonElement value, string keyword, string path)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            throw new UnsupportedSchemaException(keyword, path, "must be a non-empty array of schemas");
        }
        return value.EnumerateArray().ToArray();
    }

    /// <summary>Refuses keywords beside <paramref name="keyword"/> that would have to be combined with it.</summary>
    private static void RefuseSiblings(JsonElement schema, string path, string keyword, params string[] allowed)
    {
        foreach (var property in schema.EnumerateObject())
        {
            if (property.Name != keyword && !allowed.Contains(property.Name) && !SchemaKeywords.IsInert(property.Name))
            {
                throw new UnsupportedSchemaException(property.Name, path, $"cannot be combined with '{keyword}'");
            }
        }
    }

    private static bool IsEmptyObject(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.EnumerateObject().All(p => SchemaKeywords.IsInert(p.Name));

    private static string Child(string path, string keyword, string name) =>
        $"{path}/{keyword}/{name.Replace("~", "~0").Replace("/", "~1")}";
}
