using System.Numerics;

namespace Tokenizer.Core.Templating;

/// <summary>The "is" tests of Jinja2 ("is defined", "is string", "is none", ...).</summary>
internal static class JinjaTests
{
    public static bool Apply(string name, object? value, IReadOnlyList<object?> args) => name switch
    {
        "defined" => value is not Undefined,
        "undefined" => value is Undefined,
        "none" => value is null,
        "string" => value is string,
        "number" => value is BigInteger or double,
        "integer" => value is BigInteger,
        "float" => value is double,
        "boolean" => value is bool,
        "true" => value is true,
        "false" => value is false,
        "mapping" => value is OrderedDictionary<string, object?>,
        "sequence" => value is string or List<object?> or object?[] or OrderedDictionary<string, object?>,
        "iterable" => value is string or List<object?> or object?[] or OrderedDictionary<string, object?>,
        "callable" => value is JinjaFunction,
        "odd" => PyOps.ToInteger(value) % 2 != 0,
        "even" => PyOps.ToInteger(value) % 2 == 0,
        "divisibleby" => PyOps.ToInteger(value) % PyOps.ToInteger(args[0]) == 0,
        "lower" => value is string s && s.ToLowerInvariant() == s,
        "upper" => value is string u && u.ToUpperInvariant() == u,
        "eq" or "equalto" or "==" => PyOps.Equals(value, args[0]),
        "ne" or "!=" => !PyOps.Equals(value, args[0]),
        "lt" or "lessthan" or "<" => PyOps.Compare(value, args[0]) < 0,
        "le" or "<=" => PyOps.Compare(value, args[0]) <= 0,
        "gt" or "greaterthan" or ">" => PyOps.Compare(value, args[0]) > 0,
        "ge" or ">=" => PyOps.Compare(value, args[0]) >= 0,
        "in" => PyOps.Contains(args[0], value),
        "sameas" => ReferenceEquals(value, args[0]) || (value is null && args[0] is null) || (value is bool a && args[0] is bool b && a == b),
        _ => throw new TemplateException($"no test named '{name}'"),
    };
}
