using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Inference.Cli.Simulation;

/// <summary>--json FILE: a list with one object per policy, each carrying the parameters that produced it, so an
/// entry read on its own still says what was simulated.</summary>
internal static class ResultsJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Serialize(SimulationParameters parameters, IReadOnlyList<SimulationResult> results)
    {
        var list = new JsonArray();
        foreach (var result in results)
        {
            var entry = JsonSerializer.SerializeToNode(result, Options)!.AsObject();
            entry["parameters"] = JsonSerializer.SerializeToNode(parameters, Options);
            list.Add(entry);
        }

        return list.ToJsonString(Options) + "\n";
    }
}
