using Inference.Abstractions.Text;
using TokenizerV1 = Inference.Contracts.Tokenizer.V1;

namespace Inference.Contracts.Mapping;

/// <summary>
/// A chat prompt on the tokenizer boundary (<c>ApplyChatTemplate</c>), both ways: the gateway's /tokenize and the
/// scheduler build the request here, the tokenizer service reads it here. Empty strings are unset (null).
/// </summary>
public static class ChatTemplateMessages
{
    public static TokenizerV1.ApplyChatTemplateRequest ToProto(ChatTemplateInput input, bool tokenize) => new()
    {
        MessagesJson = input.MessagesJson,
        ToolsJson = input.ToolsJson ?? "",
        AddGenerationPrompt = input.AddGenerationPrompt,
        TemplateKwargsJson = input.TemplateKwargsJson ?? "",
        ContinueFinalMessage = input.ContinueFinalMessage,
        AddSpecialTokens = input.AddSpecialTokens,
        ChatTemplate = input.ChatTemplate ?? "",
        Tokenize = tokenize,
    };

    public static ChatTemplateInput ToDomain(TokenizerV1.ApplyChatTemplateRequest request) => new(
        request.MessagesJson,
        NullIfEmpty(request.ToolsJson),
        request.AddGenerationPrompt,
        NullIfEmpty(request.TemplateKwargsJson),
        request.ContinueFinalMessage,
        request.AddSpecialTokens,
        NullIfEmpty(request.ChatTemplate));

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
