using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Json;

namespace Gateway.Api.Fields;

/// <summary>The value tests of <see cref="ApiFieldTable"/>: each reads its field typed (a wrong type is a 400) and says whether the value is accepted.</summary>
internal static class FieldChecks
{
    /// <summary>Only null (or absence) is accepted.</summary>
    public static Func<RequestFields, bool> Absent => _ => false;

    public static Func<RequestFields, bool> NotTrue(string name) => f => f.Bool(name) != true;

    public static Func<RequestFields, bool> NotFalse(string name) => f => f.Bool(name) != false;

    /// <summary>Any boolean (the typed read refuses other types).</summary>
    public static Func<RequestFields, bool> AnyBool(string name) => f =>
    {
        _ = f.Bool(name);
        return true;
    };

    /// <summary>Any string (the typed read refuses other types).</summary>
    public static Func<RequestFields, bool> AnyString(string name) => f =>
    {
        _ = f.String(name);
        return true;
    };

    /// <summary>Any object (the typed read refuses other types).</summary>
    public static Func<RequestFields, bool> AnyObject(string name) => f =>
    {
        _ = f.Object(name);
        return true;
    };

    /// <summary>Any integer (the typed read refuses other types).</summary>
    public static Func<RequestFields, bool> AnyInt(string name) => f =>
    {
        _ = f.Long(name);
        return true;
    };

    public static Func<RequestFields, bool> One(string name) => f => (f.Int(name) ?? 1) == 1;

    public static Func<RequestFields, bool> NumberIs(string name, double neutral) => f => (f.Number(name) ?? neutral) == neutral;

    /// <summary>A string that is one of <paramref name="accepted"/>; one of <paramref name="known"/> is refused, any other is malformed.</summary>
    public static Func<RequestFields, bool> OneOf(string name, string[] accepted, string[] known) => f =>
    {
        var value = f.String(name)!;
        return accepted.Contains(value) || (known.Contains(value)
            ? false
            : throw ApiException.BadRequest(
                $"{name} must be one of {string.Join(", ", accepted.Concat(known))}, got \"{value}\".", name));
    };

    /// <summary>OpenAI's <c>response_format</c>: an object whose <c>type</c> is text, json_object, json_schema or
    /// structural_tag (either form of xgrammar's).</summary>
    public static bool ResponseFormatTypes(RequestFields fields)
    {
        var format = fields.Object("response_format")!;
        var type = format.String("type") ?? throw ApiException.BadRequest("response_format.type is required.", "response_format");
        return type switch
        {
            "text" or "json_object" or "json_schema" or "structural_tag" => true,
            _ => throw ApiException.BadRequest(
                $"response_format.type must be text, json_object, json_schema or structural_tag, got \"{type}\".", "response_format"),
        };
    }

    /// <summary>Only text output: an array of "text".</summary>
    public static bool TextModalities(RequestFields fields) =>
        fields.Array("modalities", "an array of strings")!.Value.EnumerateArray()
            .All(item => item.ValueKind == JsonValueKind.String
                ? item.ValueEquals("text")
                : throw RequestFields.WrongType("modalities", "an array of strings", item));
}
