namespace Tokenizer.Service.Hosting;

/// <summary>Configuration section "Tokenizer".</summary>
public sealed class TokenizerServiceOptions
{
    public const string SectionName = "Tokenizer";

    /// <summary>Hugging Face model folder holding tokenizer.json and tokenizer_config.json, or a GGUF file carrying its tokenizer. Required; no default.</summary>
    public string ModelPath { get; set; } = "";

    /// <summary>Longest text Encode accepts, in UTF-16 characters. Default 1,000,000.</summary>
    public int MaxInputChars { get; set; } = 1_000_000;

    /// <summary>
    /// A chat template in place of the model's (vLLM's <c>--chat-template</c>): a file holding it, or the template
    /// itself. Default: null, the model's own (tokenizer_config.json, chat_template.jinja or the GGUF file's).
    /// </summary>
    public string? ChatTemplate { get; set; }
}
