using Microsoft.Extensions.Options;
using Tokenizer.Core.Loading;

namespace Tokenizer.Service.Hosting;

/// <summary>Fails the start with a message naming the setting.</summary>
public sealed class TokenizerServiceOptionsValidator : IValidateOptions<TokenizerServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, TokenizerServiceOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ModelPath))
        {
            failures.Add("Tokenizer:ModelPath is required (a folder with tokenizer.json and tokenizer_config.json, or a .gguf file)");
        }
        else if (options.ModelPath.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
        {
            if (!File.Exists(options.ModelPath))
            {
                failures.Add($"Tokenizer:ModelPath '{options.ModelPath}' does not exist");
            }
        }
        else if (!File.Exists(Path.Combine(options.ModelPath, "tokenizer.json")))
        {
            failures.Add($"Tokenizer:ModelPath '{options.ModelPath}' has no tokenizer.json");
        }
        if (options.ChatTemplate is { Length: > 0 } template && !File.Exists(template) && !ChatTemplateSource.IsTemplate(template))
        {
            failures.Add($"Tokenizer:ChatTemplate '{template}' is neither a file nor a Jinja template");
        }
        if (options.MaxInputChars <= 0)
        {
            failures.Add($"Tokenizer:MaxInputChars must be > 0, got {options.MaxInputChars}");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
