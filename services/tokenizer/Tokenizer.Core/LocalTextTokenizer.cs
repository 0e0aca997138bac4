using System.Collections.Concurrent;
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
    /// <summary>Request templates kept parsed; beyond this many distinct ones the cache starts over.</summary>
    private const int MaxRequestTemplates = 32;

    private readonly ChatTemplateRenderer? _chatTemplate = ChatTemplateRenderer.TryCreate(tokenizer);
    private readonly ConcurrentDictionary<string, ChatTemplateRenderer> _requestTemplates = new(StringComparer.Ordinal);

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

    /// <summary>The chat template rendered to text: the request's own when it brings one, else the model's.</summary>
    /// <exception cref="ChatTemplateException">No template, or it does not parse, or it raised an error.</exception>
    public string RenderChatTemplate(ChatTemplateInput input)
    {
        if (input.ChatTemplate is { } own)
        {
            return RequestTemplate(own).Render(input);
        }

        if (_chatTemplate is null)
        {
            throw new ChatTemplateException("the model has no chat_template (tokenizer_config.json or chat_template.jinja)");
        }
        return _chatTemplate.Render(input);
    }

    private ChatTemplateRenderer RequestTemplate(string template)
    {
        if (_requestTemplates.TryGetValue(template, out var renderer))
        {
            return renderer;
        }

        renderer = new ChatTemplateRenderer(template, tokenizer.BosToken, tokenizer.EosToken);
        if (_requestTemplates.Count >= MaxRequestTemplates)
        {
            _requestTemplates.Clear();
        }

        return _requestTemplates[template] = renderer;
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
