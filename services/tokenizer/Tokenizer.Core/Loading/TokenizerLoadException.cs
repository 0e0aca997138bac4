namespace Tokenizer.Core.Loading;

/// <summary>The model folder holds a tokenizer this library cannot load or would not reproduce exactly.</summary>
public sealed class TokenizerLoadException(string message, Exception? inner = null) : Exception(message, inner);
