namespace Inference.Gguf;

/// <summary>tokenizer.ggml.token_type values (llama_token_type).</summary>
public enum GgufTokenType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}
