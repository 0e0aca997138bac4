using System.Text;
using System.Text.Json.Nodes;
using Gateway.Api.Errors;
using Gateway.Api.Sse;
using Gateway.Api.Tools;
using Gateway.Backends;

namespace Gateway.Api.Responses;

/// <summary>
/// A streamed response's events, as OpenAI sends them: response.created and response.in_progress; then, item after
/// item, output_item.added, the item's deltas (reasoning_text, or a content_part with output_text deltas, or
/// function_call_arguments), their .done events and output_item.done; at the end response.completed (or
/// response.incomplete) with the whole response. Every event carries its type and a sequence_number counting from 0.
/// One item is open at a time: a new kind of text, or a new call, closes the item before it. A background response
/// begins with response.created and response.queued (status queued), then response.in_progress once the engine has
/// started it, and may end failed or cancelled (<see cref="EndAsync"/>); its events go to a
/// <see cref="ResponseEventLog"/> rather than to one client.
/// </summary>
public sealed class ResponseEventStream(INamedEventWriter writer, ResponseDocument document, Func<IReadOnlyList<GeneratedToken>, Task<JsonArray>>? logprobs, CancellationToken cancellationToken)
    : IStreamErrorWriter
{
    private readonly JsonArray _output = [];
    private readonly List<GeneratedToken> _pendingTokens = [];
    private int _sequence;
    private OpenItem? _open;

    /// <summary>The items finished so far, in output order (moved into the final response by <see cref="FinishAsync"/>).</summary>
    public JsonArray Output => _output;

    /// <summary>A response the engine has already started: response.created and response.in_progress, both in_progress.</summary>
    public async Task StartAsync()
    {
        await WriteAsync("response.created", new JsonObject { ["response"] = document.Build(ResponseDocument.InProgress, [], null, 0) });
        await InProgressAsync();
    }

    /// <summary>A background response, waiting for the engine: response.created and response.queued, both queued (as OpenAI's background streams begin).</summary>
    public async Task QueuedAsync()
    {
        await WriteAsync("response.created", new JsonObject { ["response"] = document.Build(ResponseDocument.Queued, [], null, 0) });
        await WriteAsync("response.queued", new JsonObject { ["response"] = document.Build(ResponseDocument.Queued, [], null, 0) });
    }

    /// <summary>The engine has started the response.</summary>
    public Task InProgressAsync() =>
        WriteAsync("response.in_progress", new JsonObject { ["response"] = document.Build(ResponseDocument.InProgress, [], null, 0) });

    /// <summary>Tokens whose text is on its way: their logprobs go with the next output_text delta.</summary>
    public void AddTokens(IReadOnlyList<GeneratedToken> tokens) => _pendingTokens.AddRange(tokens);

    public async Task ReasoningAsync(string delta)
    {
        if (delta.Length == 0)
        {
            return;
        }

        if (_open is not { Kind: ItemKind.Reasoning })
        {
            await CloseAsync();
            await OpenAsync(ItemKind.Reasoning, ResponseDocument.ReasoningItem(ResponseDocument.NewItemId("rs"), null));
        }

        _open!.Text.Append(delta);
        _pendingTokens.Clear();   // their text is reasoning, which carries no logprobs
        await WriteAsync("response.reasoning_text.delta", ItemFields(_open, contentIndex: true, ("delta", delta)));
    }

    public async Task TextAsync(string delta)
    {
        if (delta.Length == 0)
        {
            return;
        }

        if (_open is not { Kind: ItemKind.Message })
        {
            await CloseAsync();
            await OpenAsync(ItemKind.Message, ResponseDocument.MessageItem(ResponseDocument.NewItemId("msg"), ResponseDocument.InProgress, null));
            await WriteAsync("response.content_part.added", ItemFields(_open!, contentIndex: true, ("part", ResponseDocument.OutputText("", null))));
        }

        _open!.Text.Append(delta);
        var tokenLogprobs = await TakeLogprobsAsync();
        foreach (var entry in tokenLogprobs)
        {
            _open.Logprobs.Add(entry!.DeepClone());
        }

        await WriteAsync("response.output_text.delta", ItemFields(_open, contentIndex: true, ("delta", delta), ("logprobs", tokenLogprobs)));
    }

    /// <summary>Tool call fragments: a fragment with an id starts a function_call item, the others add to its arguments.</summary>
    public async Task CallsAsync(IReadOnlyList<ToolCallFragment> fragments)
    {
        foreach (var fragment in fragments)
        {
            if (fragment.Id is not null || _open is not { Kind: ItemKind.FunctionCall })
            {
                await CloseAsync();
                var item = ResponseDocument.FunctionCallItem(
                    ResponseDocument.NewItemId("fc"), ResponseDocument.NewItemId("call"), fragment.Name ?? "", "", ResponseDocument.InProgress);
                await OpenAsync(ItemKind.FunctionCall, item);
            }

            if (fragment.Arguments.Length > 0)
            {
                _open!.Text.Append(fragment.Arguments);
                await WriteAsync("response.function_call_arguments.delta", ItemFields(_open, contentIndex: false, ("delta", fragment.Arguments)));
            }
        }
    }

    /// <summary>Closes the open item and returns the finished response (<see cref="EndAsync"/> sends it).</summary>
    public async Task<JsonObject> FinishAsync(string status, GenerationUsage usage, int reasoningTokens)
    {
        await CloseAsync(status);
        var output = new JsonArray([.. _output.Select(item => item!.DeepClone())]);
        return document.Build(status, output, usage, reasoningTokens);
    }

    /// <summary>The stream's last event: the response in its final status, under that status's event (<see cref="EndEvent"/>).</summary>
    public Task EndAsync(JsonObject response) =>
        WriteAsync(EndEvent((string)response["status"]!), new JsonObject { ["response"] = response.DeepClone() });

    /// <summary>
    /// The event that ends a stream whose response has this final status: OpenAI's response.completed,
    /// response.incomplete and response.failed (a background run that failed, with the response's error); and
    /// response.cancelled for a background response cancelled while streamed. OpenAI's API reference and SDKs define no
    /// event for that (their event types stop at response.created, queued, in_progress, completed, incomplete, failed),
    /// so one had to be chosen: response.cancelled follows the rule every lifecycle event follows (response.{status},
    /// carrying the response, here the cancelled response as stored), and OpenAI's .NET SDK reads it as an update of an
    /// unknown kind and ends the stream normally (OpenAiSdkResponsesTests checks it). response.failed was the other
    /// choice, and was not taken: it would tell clients the response failed (they log it, alert, retry) when it was
    /// stopped on request, with a null error.
    /// </summary>
    private static string EndEvent(string status) => status switch
    {
        ResponseDocument.Completed => "response.completed",
        ResponseDocument.Incomplete => "response.incomplete",
        ResponseDocument.FailedStatus => "response.failed",
        ResponseDocument.Cancelled => "response.cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "A response in this status has not ended."),
    };

    /// <summary>A failure after the stream started: OpenAI's error event (code, message, param), the stream's last.</summary>
    public Task WriteErrorAsync(ErrorInfo error, CancellationToken cancellationToken) =>
        WriteAsync("error", new JsonObject
        {
            ["code"] = error.Code.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["message"] = error.Message,
            ["param"] = error.Param,
        });

    private async Task OpenAsync(ItemKind kind, JsonObject item)
    {
        _open = new OpenItem(kind, item, _output.Count);
        await WriteAsync("response.output_item.added", new JsonObject { ["output_index"] = _open.OutputIndex, ["item"] = item.DeepClone() });
    }

    /// <summary>
    /// Closes the open item, if any: the item max_output_tokens cut (a message or a function call, whose arguments then
    /// stop where the answer did) is <paramref name="status"/> incomplete, as the response is.
    /// </summary>
    private async Task CloseAsync(string status = ResponseDocument.Completed)
    {
        if (_open is not { } open)
        {
            return;
        }

        _open = null;
        var text = open.Text.ToString();
        JsonObject done;
        switch (open.Kind)
        {
            case ItemKind.Reasoning:
                await WriteAsync("response.reasoning_text.done", ItemFields(open, contentIndex: true, ("text", text)));
                done = ResponseDocument.ReasoningItem(Id(open), text);
                break;
            case ItemKind.Message:
                var part = ResponseDocument.OutputText(text, logprobs is null ? null : (JsonArray)open.Logprobs.DeepClone());
                await WriteAsync("response.output_text.done", ItemFields(open, contentIndex: true, ("text", text), ("logprobs", open.Logprobs.DeepClone())));
                await WriteAsync("response.content_part.done", ItemFields(open, contentIndex: true, ("part", part.DeepClone())));
                done = ResponseDocument.MessageItem(Id(open), status, part);
                break;
            default:
                var name = (string)open.Item["name"]!;
                await WriteAsync("response.function_call_arguments.done", ItemFields(open, contentIndex: false, ("name", name), ("arguments", text)));
                done = ResponseDocument.FunctionCallItem(Id(open), (string)open.Item["call_id"]!, name, text, status);
                break;
        }

        await WriteAsync("response.output_item.done", new JsonObject { ["output_index"] = open.OutputIndex, ["item"] = done.DeepClone() });
        _output.Add(done);
    }

    private async Task<JsonArray> TakeLogprobsAsync()
    {
        if (logprobs is null || _pendingTokens.Count == 0)
        {
            _pendingTokens.Clear();
            return [];
        }

        var result = await logprobs([.. _pendingTokens]);
        _pendingTokens.Clear();
        return result;
    }

    private static string Id(OpenItem item) => (string)item.Item["id"]!;

    private static JsonObject ItemFields(OpenItem item, bool contentIndex, params (string Name, JsonNode? Value)[] fields)
    {
        var result = new JsonObject { ["item_id"] = Id(item), ["output_index"] = item.OutputIndex };
        if (contentIndex)
        {
            result["content_index"] = 0;
        }

        foreach (var (name, value) in fields)
        {
            result[name] = value;
        }

        return result;
    }

    private Task WriteAsync(string type, JsonObject fields)
    {
        var data = new JsonObject { ["type"] = type, ["sequence_number"] = _sequence++ };
        foreach (var name in fields.Select(p => p.Key).ToArray())
        {
            var value = fields[name];
            fields.Remove(name);
            data[name] = value;
        }

        return writer.WriteEventAsync(type, data, cancellationToken);
    }

    private enum ItemKind
    {
        Reasoning,
        Message,
        FunctionCall,
    }

    private sealed record OpenItem(ItemKind Kind, JsonObject Item, int OutputIndex)
    {
        public StringBuilder Text { get; } = new();

        public JsonArray Logprobs { get; } = [];
    }
}
