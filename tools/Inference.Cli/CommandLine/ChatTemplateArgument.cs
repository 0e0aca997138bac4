using Tokenizer.Core.Loading;

namespace Inference.Cli.CommandLine;

/// <summary>`--chat-template FILE|TEMPLATE` (vLLM's flag), shared by serve and generate: a template in place of the model's.</summary>
public static class ChatTemplateArgument
{
    /// <summary>The value as the tokenizer takes it (a file as its full path, a template as given); null when not given.</summary>
    /// <exception cref="UsageException">The value is neither a file nor a Jinja template.</exception>
    public static string? Read(CommandArguments args)
    {
        var value = args.String("chat-template");
        if (value is null)
        {
            return null;
        }

        if (File.Exists(value))
        {
            return Path.GetFullPath(value);
        }

        return ChatTemplateSource.IsTemplate(value)
            ? value
            : throw new UsageException($"--chat-template: '{value}' is neither a file nor a Jinja template");
    }
}
