using System.Text.Json.Nodes;
using Worker.Runtime.Models;

namespace Inference.Cli.CommandLine;

/// <summary>
/// `--hf-overrides JSON` of serve and the offline commands (vLLM's flag): fields that replace the model folder's
/// config.json fields before it is read (<see cref="HfOverrides"/>), checked here so a bad one stops the command
/// before anything loads.
/// </summary>
public static class HfOverridesArgument
{
    /// <summary>The option's text and its object, or null without it; read it before <see cref="CommandArguments.EnsureAllRead"/>.</summary>
    /// <exception cref="UsageException">The text is not a JSON object.</exception>
    public static (string Json, JsonObject Overrides)? Read(CommandArguments args)
    {
        if (args.String("hf-overrides") is not { } json)
            return null;
        try
        {
            return (json, HfOverrides.Parse(json));
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--hf-overrides: {e.Message}");
        }
    }
}
