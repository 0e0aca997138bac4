using System.Collections;

namespace Inference.Gguf;

/// <summary>
/// The key-values of a GGUF file, in file order. Typed getters fail with a message naming the key, so a reader
/// that expects a uint32 and finds a string says so.
/// </summary>
public sealed class GgufMetadata : IEnumerable<KeyValuePair<string, GgufValue>>
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, GgufValue> _values = new(StringComparer.Ordinal);

    public int Count => _order.Count;

    public IEnumerable<string> Keys => _order;

    /// <summary>Sets a key; a new key goes last, an existing one keeps its place.</summary>
    public GgufValue this[string key]
    {
        get => _values.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"GGUF metadata has no key '{key}'.");
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (!_values.ContainsKey(key))
            {
                _order.Add(key);
            }

            _values[key] = value;
        }
    }

    public bool Contains(string key) => _values.ContainsKey(key);

    public bool TryGet(string key, out GgufValue value) => _values.TryGetValue(key, out value!);

    /// <summary>The value of a scalar key of .NET type <typeparamref name="T"/>.</summary>
    /// <exception cref="KeyNotFoundException">The key is missing.</exception>
    /// <exception cref="InvalidDataException">The key holds another type.</exception>
    public T Get<T>(string key) => this[key].Value is T typed
        ? typed
        : throw new InvalidDataException($"GGUF key '{key}' holds {Describe(this[key])}, not {typeof(T).Name}.");

    /// <summary>The elements of an array key whose elements are of .NET type <typeparamref name="T"/>.</summary>
    /// <exception cref="KeyNotFoundException">The key is missing.</exception>
    /// <exception cref="InvalidDataException">The key holds something else.</exception>
    public T[] GetArray<T>(string key) => this[key].Value is T[] typed
        ? typed
        : throw new InvalidDataException($"GGUF key '{key}' holds {Describe(this[key])}, not an array of {typeof(T).Name}.");

    public IEnumerator<KeyValuePair<string, GgufValue>> GetEnumerator() =>
        _order.Select(k => new KeyValuePair<string, GgufValue>(k, _values[k])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static string Describe(GgufValue value) =>
        value.ElementType is { } element ? $"an array of {element}" : $"a {value.Type}";
}
