namespace Tokenizer.Core.Text;

/// <summary>An entry of tokenizer.json's added_tokens: matched in the raw text before normalization.</summary>
/// <param name="Special">Hugging Face's "special" flag: skip_special_tokens drops only these.</param>
public sealed record AddedToken(int Id, string Content, bool Special);
