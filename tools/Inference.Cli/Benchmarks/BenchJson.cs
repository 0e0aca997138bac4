using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Inference.Cli.Benchmarks;

/// <summary>--json FILE: a list with one object per engine and format (engine, format, prefill_tps, decode1_tps, decode16_tps, e2e16_tps and e2e16_in_process_tps for ours, and the fractions of the limits), each carrying the machine and the run, so an entry read on its own says what was measured where.</summary>
public static class BenchJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(MachineLimits machine, BenchShape shape, string model, IReadOnlyList<BenchResult> results)
    {
        var list = new JsonArray();
        foreach (var result in results)
        {
            var entry = JsonSerializer.SerializeToNode(result, Options)!.AsObject();
            entry["model"] = model;
            entry["run"] = JsonSerializer.SerializeToNode(shape, Options);
            entry["machine"] = JsonSerializer.SerializeToNode(machine, Options);
            list.Add(entry);
        }

        return list.ToJsonString(Options) + "\n";
    }
}
