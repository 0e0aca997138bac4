namespace Tokenizer.Core.Loading;

/// <summary>
/// A chat template given in place of the model's own, as vLLM's <c>--chat-template</c> takes it: the path of a file
/// holding the template (a <c>.jinja</c> file), or the template itself.
/// </summary>
public static class ChatTemplateSource
{
    /// <summary>The template: the file's text when <paramref name="value"/> names a file, else the value when it is a Jinja template.</summary>
    /// <exception cref="TokenizerLoadException">Neither a file nor a template (a mistyped path, most likely).</exception>
    public static string Read(string value)
    {
        if (File.Exists(value))
        {
            return File.ReadAllText(value);
        }

        if (IsTemplate(value))
        {
            return value;
        }

        throw new TokenizerLoadException($"chat template '{value}' is neither a file nor a Jinja template (no {{{{ or {{% in it)");
    }

    /// <summary>Whether the value reads as a template rather than a path.</summary>
    public static bool IsTemplate(string value) => value.Contains("{{", StringComparison.Ordinal) || value.Contains("{%", StringComparison.Ordinal);
}
