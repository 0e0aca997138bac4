using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Api.Chat;
using Gateway.Api.Conversations;
using Gateway.Api.Errors;
using Gateway.Api.Fields;
using Gateway.Api.Json;
using Gateway.Api.Sampling;
using Inference.Abstractions.Text;

namespace Gateway.Api.Responses;

/// <summary>
/// A validated <c>POST /v1/responses</c> body, run as the chat request it translates to: the conversation (the
/// previous response's or the named conversation's items, then this input) after the instructions as the messages, function tools and tool_choice in
/// chat's form, <c>text.format</c> as <c>response_format</c>, <c>max_output_tokens</c> as <c>max_completion_tokens</c>,
/// and every field the two APIs share (<see cref="ApiEndpoints.GenerationAndResponses"/> rows and the like) as it is.
/// The Responses fields are checked first, so a 400 names them as the client sent them.
/// </summary>
/// <param name="Chat">The chat request that generates the answer.</param>
/// <param name="Stream">Answer with the Responses API's server-sent events (with background, those of the background run, kept to stream again).</param>
/// <param name="Store">Keep the response for GET and previous_response_id.</param>
/// <param name="Conversation">The messages without the instructions: the previous response's conversation, then this input.</param>
/// <param name="InputItems">This request's input as items with ids, as <c>GET /v1/responses/{id}/input_items</c> lists them.</param>
/// <param name="IncludeLogprobs">Each output_text part carries its tokens' logprobs.</param>
/// <param name="Background">background: run after the request returns (<see cref="BackgroundResponses"/>).</param>
/// <param name="TruncateAuto">truncation "auto": drop the oldest messages when the prompt does not fit (<see cref="ResponseTruncation"/>).</param>
/// <param name="MaxOutputTokens">max_output_tokens, or null.</param>
/// <param name="Echo">The request's settings as the response object repeats them (instructions, tools, text, ...).</param>
/// <param name="ConversationId">The conversation the response reads and adds its input and output to, or null.</param>
public sealed record ResponsesRequest(
    ChatRequest Chat,
    bool Stream,
    bool Store,
    JsonArray Conversation,
    JsonArray InputItems,
    bool IncludeLogprobs,
    bool Background,
    bool TruncateAuto,
    int? MaxOutputTokens,
    JsonObject Echo,
    string? ConversationId)
{
    private const string ConversationField = "conversation";

    private const string MaxOutputTokensField = "max_output_tokens";

    /// <summary>Chat's names for what the Responses API calls otherwise, for errors raised while reading the translated request.</summary>
    private static readonly (string Chat, string Responses)[] _renamed =
    [
        ("response_format.json_schema.schema", "text.format.schema"),
        ("response_format.json_schema", "text.format"),
        ("response_format", "text.format"),
        ("max_completion_tokens", MaxOutputTokensField),
        ("max_tokens", MaxOutputTokensField),
    ];

    public static ResponsesRequest Read(RequestFields fields, ResponseStore store, ConversationStore conversations)
    {
        ApiFieldTable.Enforce(fields, ApiEndpoints.Responses);
        var input = fields.Raw(ResponseItems.InputField) ?? throw ApiException.BadRequest("input is required.", ResponseItems.InputField);
        var instructions = fields.String("instructions");
        _ = MetadataField.Read(fields);
        var truncation = fields.String("truncation") ?? "disabled";
        SamplingFields.Require(truncation is "auto" or "disabled", "truncation", $"truncation must be \"auto\" or \"disabled\", got \"{truncation}\".");
        var previousId = fields.String("previous_response_id");
        var conversationId = ConversationIdOf(fields);

        // OpenAI refuses both (each names the history the input continues), before looking either up.
        SamplingFields.Require(conversationId is null || previousId is null, ConversationField,
            "conversation and previous_response_id cannot both be set: a conversation carries its own history.");
        var conversation = new JsonArray();
        if (previousId is not null)
        {
            var previous = store.Find(previousId)
                ?? throw new ApiException(StatusCodes.Status404NotFound, $"Previous response with id '{previousId}' not found.", "previous_response_id");
            if (previous.Status is ResponseDocument.Queued or ResponseDocument.InProgress)
            {
                throw ApiException.BadRequest($"Previous response '{previousId}' is still {previous.Status}: continue it once it has finished.", "previous_response_id");
            }

            conversation = previous.ParseConversation();
        }

        if (conversationId is not null)
        {
            var items = conversations.Items(conversationId) ?? throw ConversationsEndpoint.NotFound(conversationId, ConversationField);
            conversation = ResponseItems.ToMessages(new JsonArray([.. items]), ConversationField);
        }

        var inputItems = ResponseItems.InputItems(JsonNode.Parse(input.GetRawText())!);
        foreach (var message in ResponseItems.ToMessages(inputItems, ResponseItems.InputField))
        {
            conversation.Add(message!.DeepClone());
        }

        var maxOutputTokens = fields.Int(MaxOutputTokensField);
        SamplingFields.Require(maxOutputTokens is null or >= 1, MaxOutputTokensField, $"max_output_tokens must be at least 1, got {maxOutputTokens}.");
        var topLogprobs = fields.Raw("top_logprobs") is null ? (int?)null : SamplingFields.ReadLogprobCount(fields, "top_logprobs");
        var includeLogprobs = topLogprobs is not null || fields.Raw("include") is not null && fields.Array("include", "an array of strings")!.Value.GetArrayLength() > 0;
        var tools = ResponseTools.Read(fields);

        var chat = new JsonObject();
        var messages = new JsonArray();
        if (instructions is not null)
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = instructions });
        }

        foreach (var message in conversation)
        {
            messages.Add(message!.DeepClone());
        }

        // Chat would refuse no messages naming its own field, messages; here they come from input (and its context).
        SamplingFields.Require(messages.Count > 0, ResponseItems.InputField,
            "input is an empty array and there is nothing before it (no instructions, previous_response_id or conversation): send at least one item.");
        chat["messages"] = messages;
        foreach (var field in ApiFieldTable.Fields)
        {
            if (field.Endpoints.HasFlag(ApiEndpoints.Responses) && field.Endpoints.HasFlag(ApiEndpoints.Chat) && fields.Raw(field.Name) is { } value)
            {
                chat[field.Name] = JsonNode.Parse(value.GetRawText());
            }
        }

        chat["tools"] = tools.ChatTools;
        chat["tool_choice"] = tools.ChatToolChoice;
        chat["response_format"] = ResponseTools.ChatResponseFormat(fields);
        chat["max_completion_tokens"] = maxOutputTokens;
        if (includeLogprobs)
        {
            chat["logprobs"] = true;
            chat["top_logprobs"] = topLogprobs ?? 0;
        }

        ChatRequest request;
        try
        {
            request = ChatRequest.Read(new RequestFields(JsonSerializer.SerializeToElement(chat)));
        }
        catch (ApiException e)
        {
            throw Renamed(e);
        }

        var keep = fields.Bool("store") ?? true;
        var stream = fields.Bool("stream") ?? false;
        var background = fields.Bool("background") ?? false;
        SamplingFields.Require(!background || keep, "background", "background needs store true: its result is read later with GET /v1/responses/{id}.");
        var echo = Echoed(fields, instructions, maxOutputTokens, keep);
        if (conversationId is not null)
        {
            echo[ConversationField] = new JsonObject { ["id"] = conversationId };
        }

        return new ResponsesRequest(
            request, stream, keep, conversation, ResponseItems.Listed(inputItems), includeLogprobs, background, truncation == "auto", maxOutputTokens, echo, conversationId);
    }

    /// <summary>conversation: its id, sent as a string or as an object <c>{"id": ...}</c> (the SDKs send either); null when absent.</summary>
    private static string? ConversationIdOf(RequestFields fields) => fields.Raw(ConversationField) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } id => id.GetString(),
        { ValueKind: JsonValueKind.Object } => fields.Object(ConversationField)!.String("id")
            ?? throw ApiException.BadRequest("conversation.id is required.", ConversationField),
        { } other => throw RequestFields.WrongType(ConversationField, "a string or an object with an id", other),
    };

    /// <summary>An error raised under chat's name for a field, as the Responses API names it.</summary>
    public static ApiException Renamed(ApiException e)
    {
        var message = e.Message;
        var param = e.Param;
        foreach (var (chatName, responsesName) in _renamed)
        {
            message = message.Replace(chatName, responsesName, StringComparison.Ordinal);
            if (param == chatName)
            {
                param = responsesName == "text.format" ? "text" : responsesName;
            }
        }

        // The engine says the chat prompt is too long: that prompt is the input (with the instructions).
        return new ApiException(e.StatusCode, message, param == "prompt" ? ResponseItems.InputField : param);
    }

    /// <summary>The request's settings as OpenAI's response object repeats them, with the defaults filled in.</summary>
    private static JsonObject Echoed(RequestFields fields, string? instructions, int? maxOutputTokens, bool store)
    {
        JsonNode? Copy(string name, JsonNode? fallback) => fields.Raw(name) is { } value ? JsonNode.Parse(value.GetRawText()) : fallback;
        return new JsonObject
        {
            ["background"] = fields.Bool("background") ?? false,
            ["instructions"] = instructions,
            ["max_output_tokens"] = maxOutputTokens,
            ["metadata"] = Copy("metadata", new JsonObject()),
            ["parallel_tool_calls"] = fields.Bool("parallel_tool_calls") ?? true,
            ["previous_response_id"] = fields.String("previous_response_id"),
            ["reasoning"] = Copy("reasoning", new JsonObject { ["effort"] = null, ["summary"] = null }),
            ["service_tier"] = fields.String("service_tier") ?? "default",
            ["store"] = store,
            ["temperature"] = fields.Number("temperature") ?? 1.0,
            ["text"] = Copy("text", new JsonObject { ["format"] = new JsonObject { ["type"] = "text" } }),
            ["tool_choice"] = Copy("tool_choice", "auto"),
            ["tools"] = Copy("tools", new JsonArray()),
            ["top_logprobs"] = fields.Int("top_logprobs") ?? 0,
            ["top_p"] = fields.Number("top_p") ?? 1.0,
            ["truncation"] = fields.String("truncation") ?? "disabled",
            ["user"] = fields.String("user"),
        };
    }
}
