using System.Text.Json;
using Inference.Grammar.Automata;

namespace Inference.Grammar.Sources.Json;

internal sealed partial class JsonSchemaConverter
{
    /// <summary>
    /// <c>{ ws members ws }</c> with the declared properties in the schema's order (as xgrammar does), each required
    /// one present, optional ones skippable, then additional properties when allowed.
    /// </summary>
    private Expr ObjectExpr(JsonElement schema, string path)
    {
        var members = new List<(string Name, Expr Member, bool Required)>();
        var required = RequiredNames(schema, path);
        if (schema.TryGetProperty("properties", out var properties))
        {
            if (properties.ValueKind != JsonValueKind.Object)
            {
                throw new UnsupportedSchemaException("properties", path, "must be an object");
            }
            foreach (var property in properties.EnumerateObject())
            {
                int value = RuleFor(property.Value, Child(path, "properties", property.Name));
                members.Add((property.Name, _values.Member(Expr.Literal(JsonLiteral.OfString(property.Name)), value),
                    required.Contains(property.Name)));
            }
        }
        foreach (string name in required)
        {
            if (!members.Any(m => m.Name == name))
            {
                throw new UnsupportedSchemaException("required", path, $"'{name}' is not among the properties");
            }
        }
        Expr? additional = AdditionalMember(schema, path);

        var bodies = new List<Expr>();
        bodies.AddRange(DeclaredFirst(members).Select(declared => additional is null
            ? declared
            : Expr.Seq(declared, Expr.Star(Expr.Seq(Comma, additional)))));
        bool anyRequired = members.Any(m => m.Required);
        if (additional is not null && !anyRequired)
        {
            bodies.Add(Expr.Seq(additional, Expr.Star(Expr.Seq(Comma, additional))));
        }
        var open = Expr.Seq(Expr.Byte((byte)'{'), _values.Whitespace);
        var close = Expr.Byte((byte)'}');
        if (bodies.Count == 0)
        {
            return Expr.Seq(open, close);
        }
        var body = Expr.Seq(Expr.Alt(bodies.ToArray()), _values.Whitespace);
        return Expr.Seq(open, anyRequired ? body : Expr.Optional(body), close);
    }

    private Expr Comma => Expr.Seq(_values.Whitespace, Expr.Byte((byte)','), _values.Whitespace);

    /// <summary>
    /// The non-empty sequences of declared members, split by which member comes first: member k first (every member
    /// before k optional), then each later member preceded by a comma, optional unless required.
    /// </summary>
    private IEnumerable<Expr> DeclaredFirst(List<(string Name, Expr Member, bool Required)> members)
    {
        for (int first = 0; first < members.Count; first++)
        {
            var items = new List<Expr> { members[first].Member };
            for (int k = first + 1; k < members.Count; k++)
            {
                var item = Expr.Seq(Comma, members[k].Member);
                items.Add(members[k].Required ? item : Expr.Optional(item));
            }
            yield return Expr.Seq(items.ToArray());
            if (members[first].Required)
            {
                yield break;
            }
        }
    }

    /// <summary>A member with any other name, or null when additional properties are not allowed.</summary>
    private Expr? AdditionalMember(JsonElement schema, string path)
    {
        if (!schema.TryGetProperty("additionalProperties", out var additional))
        {
            return strict ? null : _values.Member(Expr.Call(_values.String), _values.Value);
        }
        return additional.ValueKind switch
        {
            JsonValueKind.False => null,
            JsonValueKind.True => _values.Member(Expr.Call(_values.String), _values.Value),
            JsonValueKind.Object => _values.Member(Expr.Call(_values.String), RuleFor(additional, $"{path}/additionalProperties")),
            _ => throw new UnsupportedSchemaException("additionalProperties", path, "must be a boolean or a schema"),
        };
    }

    private static HashSet<string> RequiredNames(JsonElement schema, string path)
    {
        if (!schema.TryGetProperty("required", out var required))
        {
            return [];
        }
        if (required.ValueKind != JsonValueKind.Array || required.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
        {
            throw new UnsupportedSchemaException("required", path, "must be an array of property names");
        }
        return required.EnumerateArray().Select(r => r.GetString()!).ToHashSet();
    }
}
