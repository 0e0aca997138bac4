using System.Text.Json;
using Inference.Grammar.Automata;
using Inference.Grammar.Sources.Regex;

namespace Inference.Grammar.Sources.Json;

internal sealed partial class JsonSchemaConverter
{
    private static readonly Dictionary<string, string> Formats = new()
    {
        ["date"] = Date,
        ["time"] = Time,
        ["date-time"] = $"{Date}T{Time}",
        ["uuid"] = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        ["email"] = @"[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,63}",
    };

    private const string Date = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])";
    private const string Time = @"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])";

    private Expr StringExpr(JsonElement schema, string path)
    {
        int? min = Count(schema, "minLength", path);
        int? max = Count(schema, "maxLength", path);
        bool hasPattern = schema.TryGetProperty("pattern", out var pattern);
        bool hasFormat = schema.TryGetProperty("format", out var format);
        if (hasPattern || hasFormat)
        {
            string keyword = hasPattern ? "pattern" : "format";
            if (hasPattern && hasFormat)
            {
                throw new UnsupportedSchemaException("format", path, "cannot be combined with 'pattern'");
            }
            if (min is not null || max is not null)
            {
                throw new UnsupportedSchemaException(min is not null ? "minLength" : "maxLength", path, $"cannot be combined with '{keyword}'");
            }
            var value = hasPattern ? pattern : format;
            if (value.ValueKind != JsonValueKind.String)
            {
                throw new UnsupportedSchemaException(keyword, path, "must be a string");
            }
            string regex = hasPattern ? value.GetString()! : Formats.GetValueOrDefault(value.GetString()!)
                ?? throw new UnsupportedSchemaException("format", path, $"format '{value.GetString()}' (supported: {string.Join(", ", Formats.Keys)})");
            try
            {
                return JsonValueRules.Quoted(new RegexParser(regex, CharEncoding.JsonString, options.MaxRepetition).Parse());
            }
            catch (UnsupportedRegexException e)
            {
                throw new UnsupportedSchemaException(keyword, path, e.Message);
            }
        }
        if (max < (min ?? 0))
        {
            throw new UnsupportedSchemaException("minLength", path, "minLength exceeds maxLength");
        }
        return Expr.Call(_values.StringRule(min ?? 0, max ?? RepeatExpr.Unbounded));
    }

    private Expr IntegerExpr(JsonElement schema, string path)
    {
        long? min = Bound(schema, "minimum", path, exclusive: false, lower: true);
        long? exclusiveMin = Bound(schema, "exclusiveMinimum", path, exclusive: true, lower: true);
        long? max = Bound(schema, "maximum", path, exclusive: false, lower: false);
        long? exclusiveMax = Bound(schema, "exclusiveMaximum", path, exclusive: true, lower: false);
        long? lo = Max(min, exclusiveMin);
        long? hi = Min(max, exclusiveMax);
        if (lo is null && hi is null)
        {
            return Expr.Call(_values.Integer);
        }
        if (lo > hi)
        {
            throw new UnsupportedSchemaException("minimum", path, "no integer lies between the bounds");
        }
        return IntegerRange.ToExpr(lo, hi);
    }

    private Expr NumberExpr(JsonElement schema, string path)
    {
        foreach (string keyword in new[] { "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" })
        {
            if (schema.TryGetProperty(keyword, out _))
            {
                throw new UnsupportedSchemaException(keyword, path, "bounds are supported on type 'integer' only");
            }
        }
        return Expr.Call(_values.Number);
    }

    /// <summary>An integer bound: the smallest (lower) or largest (upper) integer the keyword admits.</summary>
    private static long? Bound(JsonElement schema, string keyword, string path, bool exclusive, bool lower)
    {
        if (!schema.TryGetProperty(keyword, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double d) || Math.Abs(d) >= IntegerRange.Limit)
        {
            throw new UnsupportedSchemaException(keyword, path, $"must be a number of magnitude below {IntegerRange.Limit}");
        }
        if (value.TryGetInt64(out long exact))
        {
            return exclusive ? (lower ? exact + 1 : exact - 1) : exact;
        }
        double bound = lower ? Math.Ceiling(d) : Math.Floor(d);
        if (exclusive && bound == d)
        {
            bound += lower ? 1 : -1;
        }
        return (long)bound;
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
