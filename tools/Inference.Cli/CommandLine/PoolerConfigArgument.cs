using Worker.Runtime.Embeddings;

namespace Inference.Cli.CommandLine;

/// <summary>
/// `--pooler-config JSON` of serve and embed (vLLM's flag; its older name `--override-pooler-config` too): how the model
/// embeds, over what its folder says (<see cref="PoolerOverride"/>), checked here so a bad one stops the command before
/// anything loads.
/// </summary>
public static class PoolerConfigArgument
{
    /// <summary>The option's text and what it says, or null without it; read it before <see cref="CommandArguments.EnsureAllRead"/>.</summary>
    /// <exception cref="UsageException">Both names are given, or the JSON is not a configuration this worker takes; the message names the field.</exception>
    public static (string Json, PoolerOverride Override)? Read(CommandArguments args)
    {
        var current = args.String("pooler-config");
        var older = args.String("override-pooler-config");
        if (current is not null && older is not null)
            throw new UsageException("--pooler-config and --override-pooler-config are one option; give it once");
        if ((current ?? older) is not { } json)
            return null;
        try
        {
            return (json, PoolerOverride.Parse(json));
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--{(current is null ? "override-pooler-config" : "pooler-config")}: {e.Message}");
        }
    }
}
