namespace Gateway.Api.Tools;

/// <summary>Turns one streamed answer's text into content and tool call fragments as it arrives.</summary>
public interface IToolCallStream
{
    /// <summary>Takes the next piece of text: the content safe to send now, and the tool call fragments now known.</summary>
    ToolStreamStep Push(string delta);

    /// <summary>The answer has ended: content still to send, the fragments of what was not streamed yet, and whether it held calls.</summary>
    (string? Content, IReadOnlyList<ToolCallFragment> Calls, bool HasCalls) Complete();
}
