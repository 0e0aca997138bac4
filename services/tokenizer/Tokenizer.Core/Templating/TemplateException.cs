namespace Tokenizer.Core.Templating;

/// <summary>A template failed to parse or render (syntax, undefined value misuse, raise_exception).</summary>
public sealed class TemplateException(string message) : Exception(message);
