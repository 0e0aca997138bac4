using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Api.Errors;
using Gateway.Api.Json;
using Gateway.Api.Responses;

namespace Gateway.Api.Conversations;

/// <summary>
/// The Conversations API's body fields, checked against OpenAI's limits: <c>items</c> (up to <see cref="MaxItems"/>
/// input items of the kinds the Responses API takes) and <c>metadata</c> (up to <see cref="MaxMetadataKeys"/> string
/// values). Errors name the field.
/// </summary>
public static class ConversationFields
{
    public const string ItemsField = "items";
    public const string MetadataField = "metadata";
    public const int MaxItems = 20;
    public const int MaxMetadataKeys = 16;
    public const int MaxMetadataKeyLength = 64;
    public const int MaxMetadataValueLength = 512;

    /// <summary>items as stored: each checked as a Responses input item would be, then given an id when it has none.</summary>
    public static JsonArray Items(RequestFields fields, bool required)
    {
        if (fields.Array(ItemsField, "an array of items") is not { } array)
        {
            return required ? throw ApiException.BadRequest("items is required.", ItemsField) : [];
        }

        if (array.GetArrayLength() > MaxItems)
        {
            throw ApiException.BadRequest($"items holds at most {MaxItems} items, got {array.GetArrayLength()}.", ItemsField);
        }

        var items = (JsonArray)JsonNode.Parse(array.GetRawText())!;
        try
        {
            // Checked as they would be when a response reads them, so a conversation never holds an item it cannot replay.
            _ = ResponseItems.ToMessages(items, ItemsField);
        }
        catch (ApiException e) when (e.Param == ResponseItems.InputField)
        {
            throw new ApiException(e.StatusCode, e.Message, ItemsField);
        }

        return ResponseItems.Listed(items);
    }

    /// <summary>metadata: an object of at most 16 string values (keys up to 64 characters, values up to 512), as OpenAI's.</summary>
    public static JsonObject? Metadata(RequestFields fields)
    {
        if (fields.Object(MetadataField) is not { } metadata)
        {
            return null;
        }

        var pairs = metadata.Root.EnumerateObject().ToList();
        if (pairs.Count > MaxMetadataKeys)
        {
            throw ApiException.BadRequest($"metadata holds at most {MaxMetadataKeys} keys, got {pairs.Count}.", MetadataField);
        }

        var read = new JsonObject();
        foreach (var pair in pairs)
        {
            if (pair.Name.Length > MaxMetadataKeyLength)
            {
                throw ApiException.BadRequest($"metadata keys are at most {MaxMetadataKeyLength} characters, got {pair.Name.Length}.", MetadataField);
            }

            if (pair.Value.ValueKind != JsonValueKind.String)
            {
                throw ApiException.BadRequest($"metadata.{pair.Name} must be a string, got {RequestBody.Describe(pair.Value.ValueKind)}.", MetadataField);
            }

            var value = pair.Value.GetString()!;
            if (value.Length > MaxMetadataValueLength)
            {
                throw ApiException.BadRequest($"metadata values are at most {MaxMetadataValueLength} characters, got {value.Length} for metadata.{pair.Name}.", MetadataField);
            }

            read[pair.Name] = value;
        }

        return read;
    }
}
