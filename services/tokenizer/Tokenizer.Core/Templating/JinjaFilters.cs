using System.Globalization;
using System.Numerics;
using System.Text;

namespace Tokenizer.Core.Templating;

/// <summary>The Jinja2 filters chat templates use, with transformers' tojson (json.dumps, ensure_ascii=False).</summary>
internal static class JinjaFilters
{
    public static object? Apply(string name, object? value, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs)
    {
        object? Arg(int index, string keyword, object? fallback = null) =>
            index < args.Count ? args[index] : kwargs.TryGetValue(keyword, out object? v) ? v : fallback;

        switch (name)
        {
            case "tojson":
            {
                object? indent = Arg(0, "indent");
                if (value is Undefined u) { throw u.Error(); }
                object? separators = kwargs.GetValueOrDefault("separators");
                IReadOnlyList<object?>? separatorPair = PyOps.AsSequence(separators);
                return JsonValues.Dumps(value, indent is null ? null : (int)PyOps.ToInteger(indent),
                    PyOps.Truthy(kwargs.GetValueOrDefault("sort_keys")),
                    separatorPair?[0] as string, separatorPair?[1] as string);
            }
            case "trim": return JinjaMethods.Strip(Text(value), Arg(0, "chars"), true, true);
            case "length" or "count": return JinjaAccess.Length(value);
            case "string": return PyOps.Str(value);
            case "lower": return Text(value).ToLowerInvariant();
            case "upper": return Text(value).ToUpperInvariant();
            case "capitalize": return Capitalize(Text(value));
            case "title": return Title(Text(value));
            case "replace": return Replace(Text(value), PyOps.Str(Arg(0, "old")), PyOps.Str(Arg(1, "new")), Arg(2, "count") is { } c ? (int)PyOps.ToInteger(c) : -1);
            case "default" or "d":
            {
                bool boolean = PyOps.Truthy(Arg(1, "boolean", false));
                bool useDefault = value is Undefined || (boolean && !PyOps.Truthy(value));
                return useDefault ? Arg(0, "default_value", "") : value;
            }
            case "join":
            {
                string separator = PyOps.Str(Arg(0, "d", ""));
                object? attribute = Arg(1, "attribute");
                IEnumerable<object?> items = PyOps.Iterate(value);
                if (attribute is string attr) { items = items.Select(i => JinjaAccess.GetAttribute(i, attr)); }
                return string.Join(separator, items.Select(PyOps.Str));
            }
            case "first": { IReadOnlyList<object?> items = PyOps.Iterate(value); return items.Count > 0 ? items[0] : new Undefined("No first item, sequence was empty."); }
            case "last": { IReadOnlyList<object?> items = PyOps.Iterate(value); return items.Count > 0 ? items[^1] : new Undefined("No last item, sequence was empty."); }
            case "list": return PyOps.Iterate(value).ToList();
            case "reverse": return value is string s ? string.Concat(JinjaMethods.CodePoints(s).Reverse()) : PyOps.Iterate(value).Reverse().ToList();
            case "unique":
            {
                var result = new List<object?>();
                foreach (object? item in PyOps.Iterate(value)) { if (!result.Any(r => PyOps.Equals(r, item))) { result.Add(item); } }
                return result;
            }
            case "sort":
            {
                bool reverse = PyOps.Truthy(Arg(0, "reverse", false));
                object? attribute = Arg(2, "attribute");
                Func<object?, object?> key = attribute is string attr ? i => JinjaAccess.GetAttribute(i, attr) : i => i;
                List<object?> sorted = PyOps.Iterate(value).ToList();
                sorted.Sort((a, b) => PyOps.Compare(key(a), key(b)));
                if (reverse) { sorted.Reverse(); }
                return sorted;
            }
            case "dictsort":
                return value is OrderedDictionary<string, object?> dict
                    ? dict.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (object?)new object?[] { kv.Key, kv.Value }).ToList()
                    : throw new TemplateException("dictsort expects a mapping");
            case "items":
                return value is OrderedDictionary<string, object?> d ? d.Select(kv => (object?)new object?[] { kv.Key, kv.Value }).ToList() : new List<object?>();
            case "map":
            {
                if (kwargs.TryGetValue("attribute", out object? attr) && attr is string attribute)
                {
                    return PyOps.Iterate(value).Select(i => JinjaAccess.GetAttribute(i, attribute)).ToList();
                }
                string filter = PyOps.Str(Arg(0, "name"));
                return PyOps.Iterate(value).Select(i => Apply(filter, i, args.Skip(1).ToList(), new Dictionary<string, object?>())).ToList();
            }
            case "select" or "reject":
            {
                string test = args.Count > 0 ? PyOps.Str(args[0]) : "";
                bool keep = name == "select";
                return PyOps.Iterate(value).Where(i => (test.Length == 0 ? PyOps.Truthy(i) : JinjaTests.Apply(test, i, args.Skip(1).ToList())) == keep).ToList();
            }
            case "selectattr" or "rejectattr":
            {
                string attribute = PyOps.Str(args[0]);
                string test = args.Count > 1 ? PyOps.Str(args[1]) : "";
                bool keep = name == "selectattr";
                return PyOps.Iterate(value).Where(i =>
                {
                    object? attributeValue = JinjaAccess.GetAttribute(i, attribute);
                    return (test.Length == 0 ? PyOps.Truthy(attributeValue) : JinjaTests.Apply(test, attributeValue, args.Skip(2).ToList())) == keep;
                }).ToList();
            }
            case "int":
                return value switch
                {
                    string si when BigInteger.TryParse(si.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out BigInteger i) => i,
                    string sf when double.TryParse(sf.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double f) => new BigInteger(Math.Truncate(f)),
                    _ when PyOps.IsNumber(value) => PyOps.ToInteger(value),
                    _ => PyOps.ToInteger(Arg(0, "default", BigInteger.Zero)),
                };
            case "float":
                return value switch
                {
                    string sd when double.TryParse(sd.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double f) => f,
                    _ when PyOps.IsNumber(value) => PyOps.ToDouble(value),
                    _ => PyOps.ToDouble(Arg(0, "default", 0.0)),
                };
            case "abs": return value is double f2 ? Math.Abs(f2) : BigInteger.Abs(PyOps.ToInteger(value));
            case "round":
            {
                int precision = (int)PyOps.ToInteger(Arg(0, "precision", BigInteger.Zero));
                string method = PyOps.Str(Arg(1, "method", "common"));
                double number = PyOps.ToDouble(value) * Math.Pow(10, precision);
                double rounded = method switch { "ceil" => Math.Ceiling(number), "floor" => Math.Floor(number), _ => Math.Round(number, MidpointRounding.AwayFromZero) };
                return rounded / Math.Pow(10, precision);
            }
            case "safe": return value;
            case "e" or "escape": return PyOps.Str(value).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&#34;").Replace("'", "&#39;");
            case "indent": return Indent(Text(value), Arg(0, "width", new BigInteger(4)), PyOps.Truthy(Arg(1, "first", false)), PyOps.Truthy(Arg(2, "blank", false)));
            case "wordcount": return new BigInteger(Text(value).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length);
            case "batch":
            {
                int size = (int)PyOps.ToInteger(args[0]);
                return PyOps.Iterate(value).Chunk(size).Select(c => (object?)c.ToList()).ToList();
            }
            case "sum": return PyOps.Iterate(value).Aggregate((object?)BigInteger.Zero, PyOps.Add);
            case "min": return PyOps.Iterate(value).Aggregate((a, b) => PyOps.Compare(a, b) <= 0 ? a : b);
            case "max": return PyOps.Iterate(value).Aggregate((a, b) => PyOps.Compare(a, b) >= 0 ? a : b);
            default: throw new TemplateException($"no filter named '{name}'");
        }
    }

    private static string Text(object? value) => value is Undefined ? "" : PyOps.Str(value);

    public static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    public static string Title(string s)
    {
        var builder = new StringBuilder(s.Length);
        bool previousIsLetter = false;
        foreach (char c in s)
        {
            builder.Append(previousIsLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousIsLetter = char.IsLetter(c);
        }
        return builder.ToString();
    }

    public static string Replace(string s, string oldValue, string newValue, int count)
    {
        if (count < 0)
        {
            return oldValue.Length == 0 ? string.Join(newValue, ["", .. JinjaMethods.CodePoints(s), ""]) : s.Replace(oldValue, newValue, StringComparison.Ordinal);
        }
        var builder = new StringBuilder();
        int position = 0;
        for (int done = 0; done < count; done++)
        {
            int index = s.IndexOf(oldValue, position, StringComparison.Ordinal);
            if (index < 0) { break; }
            builder.Append(s, position, index - position).Append(newValue);
            position = index + oldValue.Length;
        }
        return builder.Append(s, position, s.Length - position).ToString();
    }

    private static string Indent(string s, object? width, bool first, bool blank)
    {
        string pad = width is string w ? w : new string(' ', (int)PyOps.ToInteger(width));
        string[] lines = s.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if ((i > 0 || first) && (blank || lines[i].Length > 0))
            {
                lines[i] = pad + lines[i];
            }
        }
        return string.Join('\n', lines);
    }
}
