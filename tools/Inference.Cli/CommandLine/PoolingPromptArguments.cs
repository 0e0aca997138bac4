using Inference.Cli.Commands;

namespace Inference.Cli.CommandLine;

/// <summary>
/// The prompts of the offline pooling commands (embed, classify): each --prompt TEXT as plain text (special-token text
/// not parsed, the tokenizer's special tokens added), then each --prompt-ids 1,2,3 as it is; at least one.
/// </summary>
public static class PoolingPromptArguments
{
    /// <exception cref="UsageException">No prompt is given, or an id list is not integers.</exception>
    public static IReadOnlyList<Prompt> Read(CommandArguments args)
    {
        var prompts = args.Strings("prompt").Select(text => (Prompt)new TextPrompt(text))
            .Concat(args.Strings("prompt-ids").Select(list => new TokenIdsPrompt(GenerateCommand.ParseIds(list))))
            .ToList();
        return prompts.Count > 0 ? prompts : throw new UsageException("give at least one --prompt TEXT or --prompt-ids 1,2,3");
    }
}
