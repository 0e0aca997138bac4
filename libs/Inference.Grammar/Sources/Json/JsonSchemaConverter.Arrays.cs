using System.Text.Json;
using Inference.Grammar.Automata;

namespace Inference.Grammar.Sources.Json;

internal sealed partial class JsonSchemaConverter
{
    /// <summary>
    /// <c>[ ws items ws ]</c>: the <c>prefixItems</c> schemas in order, then <c>items</c> (absent: any value, or
    /// none after <c>prefixItems</c> in strict mode; false: none), between <c>minItems</c> and <c>maxItems</c>.
    /// </summary>
    private Expr ArrayExpr(JsonElement schema, string path)
    {
        var prefix = new List<int>();
        if (schema.TryGetProperty("prefixItems", out var prefixItems))
        {
            int i = 0;
            foreach (var item in SubschemaArray(prefixItems, "prefixItems", path))
            {
                prefix.Add(RuleFor(item, $"{path}/prefixItems/{i++}"));
            }
        }
        int? rest = _values.Value;
        if (schema.TryGetProperty("items", out var items))
        {
            rest = items.ValueKind switch
            {
                JsonValueKind.False => null,
                JsonValueKind.True or JsonValueKind.Object => RuleFor(items, $"{path}/items"),
                _ => throw new UnsupportedSchemaException("items", path, "must be a schema (tuple form: use prefixItems)"),
            };
        }
        else if (strict && prefix.Count > 0)
        {
            rest = null;
        }
        int min = Count(schema, "minItems", path) ?? 0;
        int? max = Count(schema, "maxItems", path);
        if (rest is null)
        {
            max = Math.Min(max ?? prefix.Count, prefix.Count);
        }
        if (max < min)
        {
            throw new UnsupportedSchemaException("minItems", path, "no array length satisfies minItems, maxItems and the items");
        }
        var open = Expr.Seq(Expr.Byte((byte)'['), _values.Whitespace);
        var close = Expr.Byte((byte)']');
        if (max == 0)
        {
            return Expr.Seq(open, close);
        }
        int Element(int k) => k < prefix.Count ? prefix[k] : rest!.Value;
        var body = Expr.Seq(Expr.Call(Element(0)), Tail(1, min, max, prefix.Count, Element), _values.Whitespace);
        return Expr.Seq(open, min > 0 ? body : Expr.Optional(body), close);
    }

    /// <summary>Elements from index <paramref name="k"/> on, each after a comma.</summary>
    private Expr Tail(int k, int min, int? max, int prefixCount, Func<int, int> element)
    {
        if (k == max)
        {
            return Expr.Empty;
        }
        if (k >= prefixCount)
        {
            var item = Expr.Seq(Comma, Expr.Call(element(k)));
            int needed = Math.Max(0, min - k);
            return Expr.Repeat(item, needed, max is null ? RepeatExpr.Unbounded : max.Value - k);
        }
        var piece = Expr.Seq(Comma, Expr.Call(element(k)), Tail(k + 1, min, max, prefixCount, element));
        return k < min ? piece : Expr.Optional(piece);
    }

    /// <summary>A non-negative integer keyword (minItems, maxLength, ...), within the repetition limit.</summary>
    private int? Count(JsonElement schema, string keyword, string path)
    {
        if (!schema.TryGetProperty(keyword, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double d) || d < 0 || d != Math.Floor(d))
        {
            throw new UnsupportedSchemaException(keyword, path, "must be a non-negative integer");
        }
        if (d > options.MaxRepetition)
        {
            throw new UnsupportedSchemaException(keyword, path, $"values above {options.MaxRepetition} are not supported");
        }
        return (int)d;
    }
}
