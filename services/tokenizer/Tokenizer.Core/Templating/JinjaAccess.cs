using System.Numerics;

namespace Tokenizer.Core.Templating;

/// <summary>Jinja2's attribute and item lookup: <c>a.b</c> tries the attribute (a method) then the item;
/// <c>a[b]</c> tries the item then the attribute. A miss is Undefined, not an error.</summary>
internal static class JinjaAccess
{
    public static object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case Undefined u:
                throw u.Error();
            case Namespace ns:
                return ns.Attributes.TryGetValue(name, out object? value) ? value : Missing(target, name);
            case LoopContext loop:
                return loop.Get(name);
        }
        return JinjaMethods.GetMethod(target, name) ?? GetItemOrMissing(target, name);
    }

    public static object? GetItem(object? target, object? key)
    {
        if (target is Undefined u)
        {
            throw u.Error();
        }
        switch (target)
        {
            case OrderedDictionary<string, object?> dict when key is string s:
                return dict.TryGetValue(s, out object? value) ? value : Missing(target, s);
            case string text when PyOps.IsInteger(key):
            {
                string[] chars = JinjaMethods.CodePoints(text);
                int index = NormalizeIndex((int)PyOps.ToInteger(key), chars.Length);
                return index >= 0 && index < chars.Length ? chars[index] : new Undefined($"string index out of range");
            }
            case IReadOnlyList<object?> list when PyOps.IsInteger(key):
            {
                int index = NormalizeIndex((int)PyOps.ToInteger(key), list.Count);
                return index >= 0 && index < list.Count ? list[index] : new Undefined($"list index out of range");
            }
        }
        if (key is string name && JinjaMethods.GetMethod(target, name) is { } method)
        {
            return method;
        }
        return new Undefined($"'{PyOps.TypeName(target)} object' has no attribute '{PyOps.Str(key)}'");
    }

    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        int stepValue = step is null ? 1 : (int)PyOps.ToInteger(step);
        if (stepValue == 0)
        {
            throw new TemplateException("slice step cannot be zero");
        }
        IReadOnlyList<object?> items = target switch
        {
            string s => JinjaMethods.CodePoints(s),
            IReadOnlyList<object?> list => list,
            Undefined u => throw u.Error(),
            _ => throw new TemplateException($"'{PyOps.TypeName(target)}' object is not subscriptable"),
        };
        int count = items.Count;
        int first, last;
        if (stepValue > 0)
        {
            first = start is null ? 0 : Clamp(NormalizeIndex((int)PyOps.ToInteger(start), count), 0, count);
            last = stop is null ? count : Clamp(NormalizeIndex((int)PyOps.ToInteger(stop), count), 0, count);
        }
        else
        {
            first = start is null ? count - 1 : Clamp(NormalizeIndex((int)PyOps.ToInteger(start), count), -1, count - 1);
            last = stop is null ? -1 : Clamp(NormalizeIndex((int)PyOps.ToInteger(stop), count), -1, count - 1);
        }
        var result = new List<object?>();
        for (int i = first; stepValue > 0 ? i < last : i > last; i += stepValue)
        {
            result.Add(items[i]);
        }
        return target switch
        {
            string => string.Concat(result.Cast<string>()),
            object?[] => result.ToArray(),
            _ => result,
        };
    }

    private static int NormalizeIndex(int index, int count) => index < 0 ? index + count : index;

    private static int Clamp(int value, int low, int high) => Math.Min(Math.Max(value, low), high);

    private static object? GetItemOrMissing(object? target, string name) =>
        target is OrderedDictionary<string, object?> dict && dict.TryGetValue(name, out object? value) ? value : Missing(target, name);

    private static Undefined Missing(object? target, string name) =>
        new($"'{PyOps.TypeName(target)} object' has no attribute '{name}'");

    public static BigInteger Length(object? value) => value switch
    {
        string s => s.EnumerateRunes().Count(),
        IReadOnlyList<object?> l => l.Count,
        OrderedDictionary<string, object?> d => d.Count,
        Undefined => 0,
        _ => throw new TemplateException($"object of type '{PyOps.TypeName(value)}' has no len()"),
    };
}
