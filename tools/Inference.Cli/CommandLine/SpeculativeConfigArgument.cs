using Scheduler.Core.Speculation;

namespace Inference.Cli.CommandLine;

/// <summary>
/// `--speculative-config JSON` of serve and generate: vLLM's flag, n-gram method (<see cref="SpeculativeConfig"/>), checked
/// here so a bad one stops the command before anything loads.
/// </summary>
public static class SpeculativeConfigArgument
{
    /// <summary>The option's text and what it says, or null without it; read it before <see cref="CommandArguments.EnsureAllRead"/>.</summary>
    /// <exception cref="UsageException">It is not an n-gram configuration this engine runs; the message names the field.</exception>
    public static (string Json, SpeculativeConfig Config)? Read(CommandArguments args)
    {
        if (args.String("speculative-config") is not { } json)
            return null;
        try
        {
            return (json, SpeculativeConfig.Parse(json));
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--speculative-config: {e.Message}");
        }
    }
}
