namespace Gateway.Api.Tools;

/// <summary>
/// A piece of a streamed tool call, as OpenAI streams them: the call's first fragment carries its id and function
/// name (and empty arguments); later ones carry the next piece of the arguments' JSON text.
/// </summary>
/// <param name="Index">The call's position in the answer, from 0.</param>
/// <param name="Id">Set on the call's first fragment only.</param>
/// <param name="Name">Set on the call's first fragment only.</param>
/// <param name="Arguments">The next piece of the arguments' JSON text.</param>
public sealed record ToolCallFragment(int Index, string? Id, string? Name, string Arguments);

/// <summary>What one piece of the model's text gives a streamed answer.</summary>
/// <param name="Content">Text safe to send as content now.</param>
/// <param name="Calls">Tool call fragments that became known.</param>
public sealed record ToolStreamStep(string Content, IReadOnlyList<ToolCallFragment> Calls);
