using Gateway.Backends;

namespace Gateway.Api.Generation;

/// <summary>OpenAI's finish_reason strings.</summary>
public static class FinishReasons
{
    public const string ToolCalls = "tool_calls";

    public const string Stop = "stop";

    /// <summary><c>abort</c> is vLLM's value for a cancelled request.</summary>
    public static string ToOpenAi(this FinishReason reason) => reason switch
    {
        FinishReason.Stop or FinishReason.StopString => Stop,
        FinishReason.Length => "length",
        _ => "abort",
    };
}
