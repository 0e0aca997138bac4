using Inference.Abstractions.Text;
using Tokenizer.Core.Streaming;
using Tokenizer.Core.Templating;

namespace Tokenizer.Core;

/// <summary>
/// The in-process <see cref="ITextTokenizer"/>: offline inference calls the loaded tokenizer directly,
/// with no gRPC hop. All work is synchronous CPU work, so the results complete synchronously.
/// </summary>
public sealed class LocalTextTokenizer(QwenTokenizer tokenizer) : ITextTokenizer
{
    private readonly ChatTemplateRenderer? _chatTemplate = ChatTemplateRenderer.TryCreate(tokenizer);

    public QwenTokenizer Tokenizer => tokenizer;

    public ValueTask<IReadOnlyList<int>> EncodeAsync(string text, bool parseSpecialTokens, bool addSpecialTokens, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IReadOnlyList<int>>(tokenizer.Encode(text, parseSpecialTokens, addSpecialTokens));
    }

    public ValueTask<string> DecodeAsync(IReadOnlyList<int> ids, bool skipSpecialTokens, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(tokenizer.Decode(ids, skipSpecialTokens));
    }

    public ValueTask<IReadOnlyList<int>> EncodeChatAsync(ChatTemplateInput input, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IReadOnlyList<int>>(
            tokenizer.Encode(RenderChatTemplate(input), parseSpecialTokens: true, addSpecialTokens: input.AddSpecialTokens));
    }

    /// <summary>The model's chat template rendered to text.</summary>
    /// <exception cref="ChatTemplateException">No template, or it raised an error.</exception>
    public string RenderChatTemplate(ChatTemplateInput input)
    {
        if (_chatTemplate is null)
        {
            throw new ChatTemplateException("the model has no chat_template (tokenizer_config.json or chat_template.jinja)");
        }
        return _chatTemplate.Render(input);
    }

    public ValueTask<IIncrementalDetokenizer> StartDetokenizerAsync(DetokenizerOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IncrementalDetokenizer detokenizer = tokenizer.CreateDetokenizer(
            options.SkipSpecialTokens, options.Stop, options.IncludeStopStrInOutput, options.MinTokens);
        return ValueTask.FromResult<IIncrementalDetokenizer>(new LocalIncrementalDetokenizer(detokenizer));
    }

    private sealed class LocalIncrementalDetokenizer(IncrementalDetokenizer detokenizer) : IIncrementalDetokenizer
    {
        public ValueTask<DetokenizedDelta> PushAsync(IReadOnlyList<int> ids, bool final, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(detokenizer.Push(ids, final));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
