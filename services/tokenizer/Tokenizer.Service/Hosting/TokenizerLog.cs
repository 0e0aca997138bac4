namespace Tokenizer.Service.Hosting;

internal static partial class TokenizerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Loaded tokenizer from {ModelPath}: {VocabSize} ids, chat template: {HasChatTemplate}, max input {MaxInputChars} chars")]
    public static partial void TokenizerLoaded(this ILogger logger, string modelPath, int vocabSize, bool hasChatTemplate, int maxInputChars);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Chat template failed: {Reason}")]
    public static partial void ChatTemplateFailed(this ILogger logger, string reason);

    // Debug: every request's stream ends this way, so anything louder would be noise.
    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Detokenize stream ended by the caller ({ExceptionType}: {Reason})")]
    public static partial void DetokenizeEndedByCaller(this ILogger logger, string exceptionType, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Critical, Message = "Cannot load the tokenizer from {ModelPath}: {Reason}")]
    public static partial void TokenizerLoadFailed(this ILogger logger, string modelPath, string reason);
}
