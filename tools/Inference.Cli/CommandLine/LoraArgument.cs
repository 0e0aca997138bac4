using Worker.Runtime.Lora;

namespace Inference.Cli.CommandLine;

/// <summary>
/// `--lora DIR` of the offline commands (generate, embed): every prompt runs with that PEFT adapter, named by its folder.
/// </summary>
public static class LoraArgument
{
    /// <summary>The option's raw value; read it before <see cref="CommandArguments.EnsureAllRead"/>.</summary>
    public static string? ReadPath(CommandArguments args) => args.String("lora");

    /// <summary>The adapter to load beside <paramref name="modelDirectory"/>, or null without --lora.</summary>
    /// <exception cref="UsageException">The folder is missing, or has the model folder's name (the adapter is served under its folder's name).</exception>
    public static LoraModule? Resolve(string? path, string modelDirectory)
    {
        if (path is null)
            return null;
        if (!Directory.Exists(path))
            throw new UsageException($"--lora must be a PEFT adapter folder (adapter_config.json, adapter_model.safetensors), got '{path}'");
        var name = new DirectoryInfo(Path.GetFullPath(path)).Name;
        if (name == new DirectoryInfo(Path.GetFullPath(modelDirectory)).Name)
            throw new UsageException($"--lora folder '{path}' has the model folder's name '{name}'; the adapter is served under its folder's name, so rename one of them");
        return new LoraModule(name, path);
    }
}
