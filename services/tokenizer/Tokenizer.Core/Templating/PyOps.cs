using System.Globalization;
using System.Numerics;
using System.Text;

namespace Tokenizer.Core.Templating;

/// <summary>
/// Python semantics for template values: truthiness, str()/repr(), ==, ordering, arithmetic. Values are
/// null (None), bool, BigInteger (int), double (float), string, List&lt;object?&gt; (list), object?[] (tuple),
/// OrderedDictionary&lt;string, object?&gt; (dict), Namespace, LoopContext, JinjaFunction and Undefined.
/// </summary>
internal static class PyOps
{
    public static bool Truthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        BigInteger i => !i.IsZero,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> l => l.Count > 0,
        object?[] t => t.Length > 0,
        OrderedDictionary<string, object?> d => d.Count > 0,
        _ => true,
    };

    public static string Str(object? value) => value switch
    {
        null => "None",
        Undefined => "",
        string s => s,
        bool b => b ? "True" : "False",
        BigInteger i => i.ToString(CultureInfo.InvariantCulture),
        double d => FloatRepr(d),
        _ => Repr(value),
    };

    public static string Repr(object? value)
    {
        switch (value)
        {
            case string s:
                return StringRepr(s);
            case List<object?> list:
                return "[" + string.Join(", ", list.Select(Repr)) + "]";
            case object?[] tuple:
                return tuple.Length == 1 ? "(" + Repr(tuple[0]) + ",)" : "(" + string.Join(", ", tuple.Select(Repr)) + ")";
            case OrderedDictionary<string, object?> dict:
                return "{" + string.Join(", ", dict.Select(kv => StringRepr(kv.Key) + ": " + Repr(kv.Value))) + "}";
            case Namespace ns:
                return "<Namespace " + string.Join(", ", ns.Attributes.Select(kv => kv.Key + "=" + Repr(kv.Value))) + ">";
            case JinjaFunction f:
                return "<function " + f.Name + ">";
            case LoopContext:
                return "<LoopContext>";
            case Undefined:
                return "Undefined";
            default:
                return Str(value);
        }
    }

    /// <summary>Python's float repr: shortest round-trip digits, exponent form below 1e-4 and from 1e16.</summary>
    public static string FloatRepr(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }
        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }
        string r = value.ToString("R", CultureInfo.InvariantCulture); // shortest round-trip
        // Split into sign, digits and decimal exponent, then lay out as Python does.
        bool negative = r.StartsWith('-');
        if (negative)
        {
            r = r[1..];
        }
        int exponent = 0;
        int e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
            r = r[..e];
        }
        int dot = r.IndexOf('.');
        string digits = dot < 0 ? r : r[..dot] + r[(dot + 1)..];
        int pointPosition = (dot < 0 ? r.Length : dot) + exponent;
        int leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.TrimStart('0');
        pointPosition -= leadingZeros;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }
        int decimalExponent = pointPosition - 1; // value = 0.d1d2... * 10^pointPosition
        string body;
        if (decimalExponent < -4 || decimalExponent >= 16)
        {
            string mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            body = mantissa + "e" + (decimalExponent < 0 ? "-" : "+") + Math.Abs(decimalExponent).ToString("00", CultureInfo.InvariantCulture);
        }
        else if (pointPosition <= 0)
        {
            body = "0." + new string('0', -pointPosition) + digits;
        }
        else if (pointPosition >= digits.Length)
        {
            body = digits + new string('0', pointPosition - digits.Length) + ".0";
        }
        else
        {
            body = digits[..pointPosition] + "." + digits[pointPosition..];
        }
        return negative ? "-" + body : body;
    }

    public static string StringRepr(string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var builder = new StringBuilder(s.Length + 2).Append(quote);
        foreach (Rune rune in s.EnumerateRunes())
        {
            int c = rune.Value;
            if (c == quote || c == '\\')
            {
                builder.Append('\\').Append((char)c);
            }
            else if (c == '\n') { builder.Append("\\n"); }
            else if (c == '\r') { builder.Append("\\r"); }
            else if (c == '\t') { builder.Append("\\t"); }
            else if (c < 0x20 || c == 0x7F) { builder.Append("\\x").Append(c.ToString("x2", CultureInfo.InvariantCulture)); }
            else { builder.Append(rune.ToString()); }
        }
        return builder.Append(quote).ToString();
    }

    public static new bool Equals(object? left, object? right)
    {
        if (IsNumber(left) && IsNumber(right))
        {
            return left is double || right is double ? ToDouble(left) == ToDouble(right) : ToInteger(left) == ToInteger(right);
        }
        return (left, right) switch
        {
            (null, null) => true,
            (Undefined, Undefined) => true,
            (string a, string b) => a == b,
            (List<object?> a, List<object?> b) => a.Count == b.Count && a.Zip(b).All(p => Equals(p.First, p.Second)),
            (object?[] a, object?[] b) => a.Length == b.Length && a.Zip(b).All(p => Equals(p.First, p.Second)),
            (OrderedDictionary<string, object?> a, OrderedDictionary<string, object?> b) =>
                a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out object? v) && Equals(kv.Value, v)),
            _ => ReferenceEquals(left, right),
        };
    }

    public static int Compare(object? left, object? right)
    {
        if (IsNumber(left) && IsNumber(right))
        {
            return left is double || right is double ? ToDouble(left).CompareTo(ToDouble(right)) : ToInteger(left).CompareTo(ToInteger(right));
        }
        if (left is string a && right is string b)
        {
            return string.CompareOrdinal(a, b);
        }
        if (AsSequence(left) is { } x && AsSequence(right) is { } y && left?.GetType() == right?.GetType())
        {
            for (int i = 0; i < Math.Min(x.Count, y.Count); i++)
            {
                if (!Equals(x[i], y[i]))
                {
                    return Compare(x[i], y[i]);
                }
            }
            return x.Count.CompareTo(y.Count);
        }
        throw new TemplateException($"'<' not supported between instances of '{TypeName(left)}' and '{TypeName(right)}'");
    }

    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        string => throw new TemplateException($"'in <string>' requires string as left operand, not {TypeName(item)}"),
        OrderedDictionary<string, object?> d => item is string key && d.ContainsKey(key),
        Undefined u => throw u.Error(),
        _ when AsSequence(container) is { } seq => seq.Any(x => Equals(x, item)),
        _ => throw new TemplateException($"argument of type '{TypeName(container)}' is not iterable"),
    };

    public static object? Add(object? left, object? right)
    {
        ThrowIfUndefined(left, right);
        if (IsNumber(left) && IsNumber(right))
        {
            return left is double || right is double ? ToDouble(left) + ToDouble(right) : ToInteger(left) + ToInteger(right);
        }
        return (left, right) switch
        {
            (string a, string b) => a + b,
            (List<object?> a, List<object?> b) => a.Concat(b).ToList(),
            (object?[] a, object?[] b) => a.Concat(b).ToArray(),
            _ => throw new TemplateException($"unsupported operand type(s) for +: '{TypeName(left)}' and '{TypeName(right)}'"),
        };
    }

    public static object? Arithmetic(string op, object? left, object? right)
    {
        ThrowIfUndefined(left, right);
        if (op == "*" && (left is string || right is string) && (IsInteger(left) || IsInteger(right)))
        {
            (string s, BigInteger n) = left is string ls ? (ls, ToInteger(right)) : ((string)right!, ToInteger(left));
            return n <= 0 ? "" : string.Concat(Enumerable.Repeat(s, (int)n));
        }
        if (op == "%" && left is string)
        {
            throw new TemplateException("printf-style string formatting is not supported");
        }
        if (!IsNumber(left) || !IsNumber(right))
        {
            throw new TemplateException($"unsupported operand type(s) for {op}: '{TypeName(left)}' and '{TypeName(right)}'");
        }
        bool integers = left is not double && right is not double;
        switch (op)
        {
            case "-": return integers ? ToInteger(left) - ToInteger(right) : ToDouble(left) - ToDouble(right);
            case "*": return integers ? ToInteger(left) * ToInteger(right) : ToDouble(left) * ToDouble(right);
            case "/":
                if (ToDouble(right) == 0) { throw new TemplateException("division by zero"); }
                return ToDouble(left) / ToDouble(right);
            case "//":
                if (ToDouble(right) == 0) { throw new TemplateException("integer division or modulo by zero"); }
                return integers ? FloorDiv(ToInteger(left), ToInteger(right)) : Math.Floor(ToDouble(left) / ToDouble(right));
            case "%":
                if (ToDouble(right) == 0) { throw new TemplateException("integer division or modulo by zero"); }
                if (integers)
                {
                    BigInteger a = ToInteger(left), b = ToInteger(right);
                    return a - b * FloorDiv(a, b);
                }
                double x = ToDouble(left), y = ToDouble(right);
                return x - y * Math.Floor(x / y);
            case "**":
                return integers && ToInteger(right) >= 0
                    ? BigInteger.Pow(ToInteger(left), (int)ToInteger(right))
                    : Math.Pow(ToDouble(left), ToDouble(right));
            default:
                throw new TemplateException($"unknown operator {op}");
        }
    }

    private static BigInteger FloorDiv(BigInteger a, BigInteger b)
    {
        BigInteger q = BigInteger.DivRem(a, b, out BigInteger r);
        return !r.IsZero && (r.Sign < 0) != (b.Sign < 0) ? q - 1 : q;
    }

    public static IReadOnlyList<object?>? AsSequence(object? value) => value switch
    {
        List<object?> l => l,
        object?[] t => t,
        _ => null,
    };

    /// <summary>Python iteration: lists and tuples by item, dicts by key, strings by character, Undefined as empty.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        Undefined => [],
        List<object?> l => l,
        object?[] t => t,
        OrderedDictionary<string, object?> d => d.Keys.Cast<object?>().ToList(),
        string s => s.EnumerateRunes().Select(r => (object?)r.ToString()).ToList(),
        _ => throw new TemplateException($"'{TypeName(value)}' object is not iterable"),
    };

    public static bool IsNumber(object? value) => value is BigInteger or double or bool;
    public static bool IsInteger(object? value) => value is BigInteger or bool;

    public static BigInteger ToInteger(object? value) => value switch
    {
        BigInteger i => i,
        bool b => b ? BigInteger.One : BigInteger.Zero,
        double d => new BigInteger(Math.Truncate(d)),
        _ => throw new TemplateException($"expected an integer, got '{TypeName(value)}'"),
    };

    public static double ToDouble(object? value) => value switch
    {
        double d => d,
        BigInteger i => (double)i,
        bool b => b ? 1 : 0,
        _ => throw new TemplateException($"expected a number, got '{TypeName(value)}'"),
    };

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        BigInteger => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        object?[] => "tuple",
        OrderedDictionary<string, object?> => "dict",
        Namespace => "Namespace",
        Undefined => "Undefined",
        JinjaFunction => "function",
        _ => value.GetType().Name,
    };

    private static void ThrowIfUndefined(object? left, object? right)
    {
        if (left is Undefined u)
        {
            throw u.Error();
        }
        if (right is Undefined v)
        {
            throw v.Error();
        }
    }
}
