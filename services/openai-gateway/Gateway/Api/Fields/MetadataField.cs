using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Api.Errors;
using Gateway.Api.Json;

namespace Gateway.Api.Fields;

/// <summary>
/// <c>metadata</c> as OpenAI's Responses and Conversations APIs take it: an object of at most <see cref="MaxKeys"/>
/// string values, keys up to <see cref="MaxKeyLength"/> characters, values up to <see cref="MaxValueLength"/>.
/// Errors name the field.
/// </summary>
public static class MetadataField
{
    public const string Name = "metadata";
    public const int MaxKeys = 16;
    public const int MaxKeyLength = 64;
    public const int MaxValueLength = 512;

    /// <summary>The checked metadata, or null when the request has none.</summary>
    public static JsonObject? Read(RequestFields fields)
    {
        if (fields.Object(Name) is not { } metadata)
        {
            return null;
        }

        var pairs = metadata.Root.EnumerateObject().ToList();
        if (pairs.Count > MaxKeys)
        {
            throw ApiException.BadRequest($"metadata holds at most {MaxKeys} keys, got {pairs.Count}.", Name);
        }

        var read = new JsonObject();
        foreach (var pair in pairs)
        {
            if (pair.Name.Length > MaxKeyLength)
            {
                throw ApiException.BadRequest($"metadata keys are at most {MaxKeyLength} characters, got {pair.Name.Length}.", Name);
            }

            if (pair.Value.ValueKind != JsonValueKind.String)
            {
                throw ApiException.BadRequest($"metadata.{pair.Name} must be a string, got {RequestBody.Describe(pair.Value.ValueKind)}.", Name);
            }

            var value = pair.Value.GetString()!;
            if (value.Length > MaxValueLength)
            {
                throw ApiException.BadRequest($"metadata values are at most {MaxValueLength} characters, got {value.Length} for metadata.{pair.Name}.", Name);
            }

            read[pair.Name] = value;
        }

        return read;
    }
}
