using System.Text.Json;
using Gateway.Api.Errors;

namespace Gateway.Api.Json;

/// <summary>
/// Typed access to the fields of a request object. Absent and null fields read as null; a field of the wrong type
/// is a 400 naming it, so handlers never see half-parsed input.
/// </summary>
/// <param name="ignoredFieldsSink">
/// Told the names of the fields the endpoint has no use for, once it has checked them (<see cref="ReportIgnored"/>);
/// a request body's fields log them (<see cref="RequestBody"/>), a nested object's have none.
/// </param>
public sealed class RequestFields(JsonElement root, Action<IReadOnlyList<string>>? ignoredFieldsSink = null)
{
    public JsonElement Root => root;

    /// <summary>The top-level names of this object, in the order sent.</summary>
    public IEnumerable<string> Names => root.EnumerateObject().Select(property => property.Name);

    /// <summary>Passes the fields an endpoint ignores to the sink, if there are any.</summary>
    public void ReportIgnored(IReadOnlyList<string> names)
    {
        if (names.Count > 0)
        {
            ignoredFieldsSink?.Invoke(names);
        }
    }

    /// <summary>The field's value, or null when absent or JSON null.</summary>
    public JsonElement? Raw(string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public string? String(string name) => Raw(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { } value => throw WrongType(name, "a string", value),
    };

    public bool? Bool(string name) => Raw(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { } value => throw WrongType(name, "a boolean", value),
    };

    public long? Long(string name) => Raw(name) switch
    {
        null => null,
        { } value => ReadLong(name, value),
    };

    public int? Int(string name) => Long(name) switch
    {
        null => null,
        var value and (< int.MinValue or > int.MaxValue) =>
            throw ApiException.BadRequest($"{name} must fit in a 32-bit integer, got {value}.", name),
        var value => (int)value,
    };

    public double? Number(string name) => Raw(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetDouble(out var number) && double.IsFinite(number) => number,
        { ValueKind: JsonValueKind.Number } => throw ApiException.BadRequest($"{name} is out of range.", name),
        { } value => throw WrongType(name, "a number", value),
    };

    /// <summary>A JSON object field, or null.</summary>
    public RequestFields? Object(string name) => Raw(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Object } value => new RequestFields(value),
        { } value => throw WrongType(name, "an object", value),
    };

    /// <summary>A JSON array field, or null; <paramref name="expected"/> describes it in the 400 for another type.</summary>
    public JsonElement? Array(string name, string expected) => Raw(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Array } value => value,
        { } value => throw WrongType(name, expected, value),
    };

    /// <summary>A string or an array of strings (OpenAI's <c>stop</c>); empty when absent.</summary>
    public IReadOnlyList<string> StringOrStrings(string name) => Raw(name) switch
    {
        null => [],
        { ValueKind: JsonValueKind.String } value => [value.GetString()!],
        { ValueKind: JsonValueKind.Array } value => value.EnumerateArray()
            .Select(item => item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw WrongType(name, "a string or an array of strings", item))
            .ToArray(),
        { } value => throw WrongType(name, "a string or an array of strings", value),
    };

    /// <summary>An array of 32-bit integers; empty when absent.</summary>
    public IReadOnlyList<int> Ints(string name) => Raw(name) switch
    {
        null => [],
        { ValueKind: JsonValueKind.Array } value => ReadInts(name, value),
        { } value => throw WrongType(name, "an array of integers", value),
    };

    internal static IReadOnlyList<int> ReadInts(string name, JsonElement array) =>
        array.EnumerateArray()
            .Select(item => item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var id)
                ? id
                : throw WrongType(name, "an array of 32-bit integers", item))
            .ToArray();

    private static long ReadLong(string name, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt64(out var integer))
            {
                return integer;
            }

            // 16.0 is an integer to Python clients; accept integral doubles as vLLM (pydantic) does.
            if (value.TryGetDouble(out var number) && number == Math.Floor(number) && Math.Abs(number) < 9e15)
            {
                return (long)number;
            }
        }

        throw WrongType(name, "an integer", value);
    }

    internal static ApiException WrongType(string name, string expected, JsonElement value) =>
        ApiException.BadRequest($"{name} must be {expected}, got {RequestBody.Describe(value.ValueKind)}.", name);
}
