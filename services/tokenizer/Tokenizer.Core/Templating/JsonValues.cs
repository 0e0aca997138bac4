using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace Tokenizer.Core.Templating;

/// <summary>JSON to template values (key order kept, ints exact, floats stay floats) and back, as Python's
/// json.loads / json.dumps (ensure_ascii=False) would.</summary>
internal static class JsonValues
{
    public static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => ToDict(element),
        JsonValueKind.Array => element.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => ParseNumber(element.GetRawText()),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static OrderedDictionary<string, object?> ToDict(JsonElement element)
    {
        var dict = new OrderedDictionary<string, object?>();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            dict[property.Name] = FromJson(property.Value); // a repeated key keeps its first position, last value, like Python
        }
        return dict;
    }

    private static object ParseNumber(string raw) =>
        raw.AsSpan().IndexOfAny('.', 'e', 'E') >= 0
            ? double.Parse(raw, CultureInfo.InvariantCulture)
            : BigInteger.Parse(raw, CultureInfo.InvariantCulture);

    /// <summary>json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=sortKeys) with default separators.</summary>
    public static string Dumps(object? value, int? indent, bool sortKeys, string? itemSeparator = null, string? keySeparator = null)
    {
        var builder = new StringBuilder();
        Write(builder, value, indent, 0, sortKeys, itemSeparator ?? (indent is null ? ", " : ","), keySeparator ?? ": ");
        return builder.ToString();
    }

    private static void Write(StringBuilder builder, object? value, int? indent, int depth, bool sortKeys, string itemSeparator, string keySeparator)
    {
        switch (value)
        {
            case null: builder.Append("null"); break;
            case bool b: builder.Append(b ? "true" : "false"); break;
            case BigInteger i: builder.Append(i.ToString(CultureInfo.InvariantCulture)); break;
            case double d:
                builder.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : PyOps.FloatRepr(d));
                break;
            case string s: WriteString(builder, s); break;
            case OrderedDictionary<string, object?> dict:
            {
                IEnumerable<KeyValuePair<string, object?>> entries = sortKeys ? dict.OrderBy(kv => kv.Key, StringComparer.Ordinal) : dict;
                WriteContainer(builder, '{', '}', entries.ToList(), indent, depth, itemSeparator, (kv, d) =>
                {
                    WriteString(builder, kv.Key);
                    builder.Append(keySeparator);
                    Write(builder, kv.Value, indent, d, sortKeys, itemSeparator, keySeparator);
                });
                break;
            }
            case Namespace ns:
                Write(builder, ns.Attributes, indent, depth, sortKeys, itemSeparator, keySeparator);
                break;
            default:
                if (PyOps.AsSequence(value) is { } items)
                {
                    WriteContainer(builder, '[', ']', items, indent, depth, itemSeparator,
                        (item, d) => Write(builder, item, indent, d, sortKeys, itemSeparator, keySeparator));
                    break;
                }
                throw new TemplateException($"Object of type {PyOps.TypeName(value)} is not JSON serializable");
        }
    }

    private static void WriteContainer<T>(StringBuilder builder, char open, char close, IReadOnlyList<T> items, int? indent, int depth,
        string itemSeparator, Action<T, int> writeItem)
    {
        builder.Append(open);
        if (items.Count == 0)
        {
            builder.Append(close);
            return;
        }
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(itemSeparator);
            }
            if (indent is int n)
            {
                builder.Append('\n').Append(' ', n * (depth + 1));
            }
            writeItem(items[i], depth + 1);
        }
        if (indent is int m)
        {
            builder.Append('\n').Append(' ', m * depth);
        }
        builder.Append(close);
    }

    private static void WriteString(StringBuilder builder, string s)
    {
        builder.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        builder.Append('"');
    }
}
