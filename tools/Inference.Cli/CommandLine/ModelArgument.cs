using Inference.Hub;

namespace Inference.Cli.CommandLine;

/// <summary>The `--model` of the commands that load one: a folder as it is, or a Hugging Face repository id found in the
/// hub cache (downloaded into it if missing, with progress on stderr).</summary>
public static class ModelArgument
{
    /// <returns>The model's folder, or null when the hub could not provide it (the error is printed, naming --model).</returns>
    public static async Task<string?> ResolveAsync(string model, CancellationToken cancellationToken)
    {
        try
        {
            return (await ModelLocator.ResolveAsync(model, HubOptions.FromEnvironment(), new TextDownloadProgress(Console.Error),
                cancellationToken)).Directory;
        }
        catch (HubException e)
        {
            Console.Error.WriteLine($"error: --model: {e.Message}");
            return null;
        }
    }
}
