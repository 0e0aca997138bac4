using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace Worker.Runtime.Lora;

/// <summary>
/// The adapters a request may name: those loaded at start (fixed for the runner's life) and those loaded at run time.
/// Immutable, so a load or an unload makes a new set and the runner swaps it in whole: a step reads the set once and
/// validates and resolves every new request's lora_name against that one set, whatever is published meanwhile.
/// </summary>
internal sealed class LoraAdapterSet
{
    private readonly ImmutableDictionary<string, LoraAdapter> _byName;
    private readonly ImmutableHashSet<string> _startNames;

    private LoraAdapterSet(ImmutableDictionary<string, LoraAdapter> byName, ImmutableHashSet<string> startNames)
    {
        _byName = byName;
        _startNames = startNames;
        Names = _byName.Keys.ToImmutableHashSet(StringComparer.Ordinal);
    }

    /// <summary>Every name a request may use.</summary>
    public IReadOnlySet<string> Names { get; }

    /// <exception cref="ArgumentException">Two adapters have one name.</exception>
    public static LoraAdapterSet AtStart(IEnumerable<LoraAdapter> adapters)
    {
        var byName = adapters.ToImmutableDictionary(a => a.Name, StringComparer.Ordinal);
        return new LoraAdapterSet(byName, byName.Keys.ToImmutableHashSet(StringComparer.Ordinal));
    }

    /// <exception cref="KeyNotFoundException">No adapter has that name.</exception>
    public LoraAdapter this[string name] => _byName[name];

    public bool TryGet(string name, [MaybeNullWhen(false)] out LoraAdapter adapter) =>
        _byName.TryGetValue(name, out adapter);

    /// <summary>This set with <paramref name="adapter"/> added at run time, in place of a run-time adapter of its name.</summary>
    /// <exception cref="InvalidOperationException">Its name is a start adapter's.</exception>
    public LoraAdapterSet With(LoraAdapter adapter)
    {
        RequireNotStartAdapter(adapter.Name);
        return new LoraAdapterSet(_byName.SetItem(adapter.Name, adapter), _startNames);
    }

    /// <summary>This set without the run-time adapter <paramref name="name"/> (the same set when there is none).</summary>
    /// <exception cref="InvalidOperationException">The name is a start adapter's.</exception>
    public LoraAdapterSet Without(string name)
    {
        RequireNotStartAdapter(name);
        return _byName.ContainsKey(name) ? new LoraAdapterSet(_byName.Remove(name), _startNames) : this;
    }

    /// <summary>An adapter loaded at start serves for the runner's life: its name can be neither replaced nor unloaded.</summary>
    /// <exception cref="InvalidOperationException">The name is a start adapter's.</exception>
    public void RequireNotStartAdapter(string name)
    {
        if (_startNames.Contains(name))
        {
            throw new InvalidOperationException(
                $"LoRA adapter '{name}' was loaded at start; an adapter loaded at start can be neither replaced nor unloaded while the worker runs.");
        }
    }
}
