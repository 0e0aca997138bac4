using System.Numerics;
using System.Text;

namespace Tokenizer.Core.Templating;

/// <summary>The Python str / dict methods templates call (message.content.split('x'), tool.items(), ...).
/// Mutating list/dict methods are refused, as transformers' ImmutableSandboxedEnvironment does.</summary>
internal static class JinjaMethods
{
    public static object? GetMethod(object? target, string name)
    {
        return target switch
        {
            string s => StringMethod(s, name),
            OrderedDictionary<string, object?> d => DictMethod(d, name),
            List<object?> when name is "append" or "extend" or "pop" or "insert" or "remove" or "clear" or "sort" or "reverse" =>
                throw new TemplateException($"access to list method '{name}' is unsafe in an immutable sandbox"),
            _ => null,
        };
    }

    private static JinjaFunction? StringMethod(string s, string name) => name switch
    {
        "startswith" => Function(name, args => StartsOrEnds(s, args[0], start: true)),
        "endswith" => Function(name, args => StartsOrEnds(s, args[0], start: false)),
        "strip" => Function(name, args => Strip(s, Arg(args, 0), left: true, right: true)),
        "lstrip" => Function(name, args => Strip(s, Arg(args, 0), left: true, right: false)),
        "rstrip" => Function(name, args => Strip(s, Arg(args, 0), left: false, right: true)),
        "split" => Function(name, args => Split(s, Arg(args, 0), args.Count > 1 ? (int)PyOps.ToInteger(args[1]) : -1)),
        "rsplit" => Function(name, args => RSplit(s, Arg(args, 0), args.Count > 1 ? (int)PyOps.ToInteger(args[1]) : -1)),
        "splitlines" => Function(name, _ => s.Split('\n').Select(l => (object?)l.TrimEnd('\r')).ToList()),
        "lower" => Function(name, _ => s.ToLowerInvariant()),
        "upper" => Function(name, _ => s.ToUpperInvariant()),
        "title" => Function(name, _ => JinjaFilters.Title(s)),
        "capitalize" => Function(name, _ => JinjaFilters.Capitalize(s)),
        "replace" => Function(name, args => JinjaFilters.Replace(s, (string)args[0]!, (string)args[1]!, args.Count > 2 ? (int)PyOps.ToInteger(args[2]) : -1)),
        "find" => Function(name, args => new BigInteger(CodePointIndex(s, s.IndexOf((string)args[0]!, StringComparison.Ordinal)))),
        "rfind" => Function(name, args => new BigInteger(CodePointIndex(s, s.LastIndexOf((string)args[0]!, StringComparison.Ordinal)))),
        "count" => Function(name, args => new BigInteger(CountOccurrences(s, (string)args[0]!))),
        "join" => Function(name, args => string.Join(s, PyOps.Iterate(args[0]).Select(PyOps.Str))),
        "isdigit" => Function(name, _ => s.Length > 0 && s.All(char.IsDigit)),
        "isalpha" => Function(name, _ => s.Length > 0 && s.All(char.IsLetter)),
        "isspace" => Function(name, _ => s.Length > 0 && s.All(char.IsWhiteSpace)),
        "islower" => Function(name, _ => s.Any(char.IsLetter) && s.ToLowerInvariant() == s),
        "isupper" => Function(name, _ => s.Any(char.IsLetter) && s.ToUpperInvariant() == s),
        _ => null,
    };

    private static JinjaFunction? DictMethod(OrderedDictionary<string, object?> d, string name) => name switch
    {
        "items" => Function(name, _ => d.Select(kv => (object?)new object?[] { kv.Key, kv.Value }).ToList()),
        "keys" => Function(name, _ => d.Keys.Cast<object?>().ToList()),
        "values" => Function(name, _ => d.Values.ToList()),
        "get" => Function(name, args => args[0] is string key && d.TryGetValue(key, out object? v) ? v : Arg(args, 1)),
        "update" or "pop" or "setdefault" or "clear" or "popitem" =>
            throw new TemplateException($"access to dict method '{name}' is unsafe in an immutable sandbox"),
        _ => null,
    };

    private static JinjaFunction Function(string name, Func<IReadOnlyList<object?>, object?> body) => new(name, (args, _) => body(args));

    private static object? Arg(IReadOnlyList<object?> args, int index) => index < args.Count ? args[index] : null;

    private static bool StartsOrEnds(string s, object? prefix, bool start)
    {
        IEnumerable<object?> options = prefix is object?[] tuple ? tuple : [prefix];
        return options.Any(p => p is string text && (start ? s.StartsWith(text, StringComparison.Ordinal) : s.EndsWith(text, StringComparison.Ordinal)));
    }

    /// <summary>str.strip(): no argument strips Unicode whitespace; a string argument strips those characters.</summary>
    public static string Strip(string s, object? chars, bool left, bool right)
    {
        Func<char, bool> strip = chars is string set ? set.Contains : char.IsWhiteSpace;
        int start = 0, end = s.Length;
        if (left)
        {
            while (start < end && strip(s[start])) { start++; }
        }
        if (right)
        {
            while (end > start && strip(s[end - 1])) { end--; }
        }
        return s[start..end];
    }

    private static List<object?> Split(string s, object? separator, int maxSplit)
    {
        if (separator is string sep)
        {
            if (sep.Length == 0)
            {
                throw new TemplateException("empty separator");
            }
            string[] parts = maxSplit < 0 ? s.Split(sep) : s.Split(sep, maxSplit + 1);
            return parts.Cast<object?>().ToList();
        }
        // No separator: runs of whitespace split, leading/trailing whitespace ignored.
        var result = new List<object?>();
        int i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i])) { i++; }
            if (i >= s.Length) { break; }
            if (maxSplit >= 0 && result.Count == maxSplit)
            {
                result.Add(s[i..].TrimEnd());
                break;
            }
            int start = i;
            while (i < s.Length && !char.IsWhiteSpace(s[i])) { i++; }
            result.Add(s[start..i]);
        }
        return result;
    }

    private static List<object?> RSplit(string s, object? separator, int maxSplit)
    {
        if (maxSplit < 0 || separator is not string sep)
        {
            return Split(s, separator, maxSplit);
        }
        var parts = new List<object?>();
        int end = s.Length;
        while (parts.Count < maxSplit)
        {
            int index = s.LastIndexOf(sep, end - 1 < 0 ? 0 : end - 1, StringComparison.Ordinal);
            if (index < 0 || end == 0) { break; }
            if (index + sep.Length > end) { break; }
            parts.Insert(0, s[(index + sep.Length)..end]);
            end = index;
        }
        parts.Insert(0, s[..end]);
        return parts;
    }

    private static int CodePointIndex(string s, int utf16Index) =>
        utf16Index < 0 ? -1 : s.AsSpan(0, utf16Index).ToString().EnumerateRunes().Count();

    private static int CountOccurrences(string s, string sub)
    {
        if (sub.Length == 0)
        {
            return s.EnumerateRunes().Count() + 1;
        }
        int count = 0;
        for (int i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    /// <summary>Python indexing/slicing on code points, not UTF-16 units.</summary>
    public static string[] CodePoints(string s)
    {
        var result = new List<string>(s.Length);
        foreach (Rune rune in s.EnumerateRunes())
        {
            result.Add(rune.ToString());
        }
        return result.ToArray();
    }
}
