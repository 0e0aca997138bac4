namespace Tokenizer.Core.Templating;

/// <summary>A variable scope: for-loop bodies and macros get a child scope, so their "set" does not leak
/// out (which is why templates use namespace()); if-blocks share their parent's scope.</summary>
internal sealed class JinjaScope(JinjaScope? parent)
{
    private readonly JinjaScope? _parent = parent;
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public object? Lookup(string name)
    {
        for (JinjaScope? scope = this; scope is not null; scope = scope._parent)
        {
            if (scope._variables.TryGetValue(name, out object? value))
            {
                return value;
            }
        }
        return new Undefined($"'{name}' is undefined");
    }

    public void Set(string name, object? value) => _variables[name] = value;
}
