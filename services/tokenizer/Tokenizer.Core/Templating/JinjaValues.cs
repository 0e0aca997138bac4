namespace Tokenizer.Core.Templating;

/// <summary>Jinja2's default Undefined: prints as "", is false, iterates as empty; any other use is an error.</summary>
internal sealed class Undefined(string description)
{
    public string Description { get; } = description;

    public TemplateException Error() => new(Description);
}

/// <summary>namespace(...): the one mutable object a template may assign attributes on across scopes.</summary>
internal sealed class Namespace
{
    public OrderedDictionary<string, object?> Attributes { get; } = new();
}

/// <summary>A callable value: a global function, a bound method or a macro.</summary>
internal sealed class JinjaFunction(string name, Func<IReadOnlyList<object?>, IReadOnlyDictionary<string, object?>, object?> invoke)
{
    public string Name { get; } = name;

    public object? Invoke(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs) => invoke(args, kwargs);
}

/// <summary>The loop variable of a for loop.</summary>
internal sealed class LoopContext(IReadOnlyList<object?> items)
{
    public int Index0 { get; set; }

    public object? Get(string name) => name switch
    {
        "index0" => new System.Numerics.BigInteger(Index0),
        "index" => new System.Numerics.BigInteger(Index0 + 1),
        "revindex" => new System.Numerics.BigInteger(items.Count - Index0),
        "revindex0" => new System.Numerics.BigInteger(items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => new System.Numerics.BigInteger(items.Count),
        "depth" => System.Numerics.BigInteger.One,
        "depth0" => System.Numerics.BigInteger.Zero,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : new Undefined("there is no previous item"),
        "nextitem" => Index0 < items.Count - 1 ? items[Index0 + 1] : new Undefined("there is no next item"),
        "cycle" => new JinjaFunction("cycle", (args, _) => args.Count == 0 ? null : args[Index0 % args.Count]),
        _ => new Undefined($"'loop' has no attribute '{name}'"),
    };
}
