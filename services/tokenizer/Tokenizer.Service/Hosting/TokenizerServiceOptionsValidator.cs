using Microsoft.Extensions.Options;

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
        if (options.MaxInputChars <= 0)
        {
            failures.Add($"Tokenizer:MaxInputChars must be > 0, got {options.MaxInputChars}");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
