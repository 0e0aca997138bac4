using System.Text.Json.Nodes;
using Gateway.Api.Errors;
using Gateway.Api.Fields;
using Gateway.Api.Json;
using Gateway.Api.Responses;

namespace Gateway.Api.Conversations;

/// <summary>
/// The Conversations API's <c>items</c>, checked against OpenAI's limits: up to <see cref="MaxItems"/> input items of
/// the kinds the Responses API takes. Errors name the field. Its <c>metadata</c> is <see cref="MetadataField"/>'s.
/// </summary>
public static class ConversationFields
{
    public const string ItemsField = "items";
    public const int MaxItems = 20;

    /// <summary>
    /// items as stored: each checked as a Responses input item would be, then given an id when it has none. Where they
    /// are required (adding items to a conversation) there must be at least one; a new conversation may start empty.
    /// </summary>
    public static JsonArray Items(RequestFields fields, bool required)
    {
        if (fields.Array(ItemsField, "an array of items") is not { } array)
        {
            return required ? throw ApiException.BadRequest("items is required.", ItemsField) : [];
        }

        if (required && array.GetArrayLength() == 0)
        {
            // Adding nothing is a mistake in the client, as OpenAI's schema (at least one item) has it.
            throw ApiException.BadRequest("items must hold at least one item.", ItemsField);
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
}
