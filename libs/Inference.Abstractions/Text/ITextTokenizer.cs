namespace Inference.Abstractions.Text;

/// <summary>
/// What the engine's front needs from the tokenizer: implemented in process by the tokenizer library
/// and remotely by a client of the tokenizer service, so there is one tokenizer implementation.
/// </summary>
public interface ITextTokenizer
{
    /// <param name="parseSpecialTokens">False encodes "&lt;|im_end|&gt;" and the like literally (untrusted text).</param>
    /// <param name="addSpecialTokens">Put the model's BOS/EOS around the ids as Hugging Face's add_special_tokens does
    /// (Llama 3: BOS; Qwen2: nothing).</param>
    ValueTask<IReadOnlyList<int>> EncodeAsync(string text, bool parseSpecialTokens, bool addSpecialTokens, CancellationToken cancellationToken);

    ValueTask<string> DecodeAsync(IReadOnlyList<int> ids, bool skipSpecialTokens, CancellationToken cancellationToken);

    /// <summary>Renders the model's chat template and encodes the result (special tokens parsed), in one call.</summary>
    /// <exception cref="ChatTemplateException">The template raised an error or the messages are invalid.</exception>
    ValueTask<IReadOnlyList<int>> EncodeChatAsync(ChatTemplateInput input, CancellationToken cancellationToken);

    /// <summary>Starts detokenizing one generated sequence.</summary>
    ValueTask<IIncrementalDetokenizer> StartDetokenizerAsync(DetokenizerOptions options, CancellationToken cancellationToken);
}

/// <param name="MessagesJson">JSON array of OpenAI-style messages.</param>
/// <param name="ToolsJson">JSON array of tools, or null.</param>
/// <param name="AddGenerationPrompt">Append the assistant turn opener.</param>
/// <param name="TemplateKwargsJson">JSON object of extra template variables, or null.</param>
/// <param name="ContinueFinalMessage">
/// End the rendered prompt right after the final message's content, so the model continues that message (transformers'
/// continue_final_message); not with <paramref name="AddGenerationPrompt"/>.
/// </param>
/// <param name="AddSpecialTokens">Encode the rendered prompt with add_special_tokens (vLLM's chat default is false: the
/// template writes BOS itself).</param>
/// <param name="ChatTemplate">A template of the request's own (vLLM's per-request chat_template, which the gateway
/// passes only when the operator trusts request templates), rendered instead of the model's; null: the model's.</param>
public sealed record ChatTemplateInput(
    string MessagesJson, string? ToolsJson, bool AddGenerationPrompt, string? TemplateKwargsJson, bool ContinueFinalMessage = false,
    bool AddSpecialTokens = false, string? ChatTemplate = null);

/// <param name="SkipSpecialTokens">Drop added tokens flagged special (Hugging Face semantics).</param>
/// <param name="Stop">Stop strings; the first match ends the sequence.</param>
/// <param name="IncludeStopStrInOutput">Keep the matched stop string in the text.</param>
/// <param name="MinTokens">
/// vLLM's min_tokens: a stop string counts only if it ends after the text of the first MinTokens generated ids.
/// </param>
public sealed record DetokenizerOptions(
    bool SkipSpecialTokens,
    IReadOnlyList<string> Stop,
    bool IncludeStopStrInOutput,
    int MinTokens = 0);

/// <summary>Turns generated ids into text deltas, exact across tokens that split a UTF-8 character, holding
/// back text that may be the start of a stop string.</summary>
public interface IIncrementalDetokenizer : IAsyncDisposable
{
    /// <param name="final">No more ids follow: flush held-back text.</param>
    ValueTask<DetokenizedDelta> PushAsync(IReadOnlyList<int> ids, bool final, CancellationToken cancellationToken);
}

/// <param name="Text">Text that became certain with these ids.</param>
/// <param name="Stopped">A stop string matched; nothing follows.</param>
/// <param name="MatchedStop">The stop string, when Stopped.</param>
public readonly record struct DetokenizedDelta(string Text, bool Stopped, string? MatchedStop);

/// <summary>A chat template failed to render (raise_exception, or messages it cannot take).</summary>
public sealed class ChatTemplateException(string message, Exception? inner = null) : Exception(message, inner);
