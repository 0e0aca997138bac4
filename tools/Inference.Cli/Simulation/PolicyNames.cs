using Scheduler.Core.Fleet;

namespace Inference.Cli.Simulation;

/// <summary>The placement policies as the command line spells them.</summary>
internal static class PolicyNames
{
    public static IReadOnlyList<PlacementPolicy> All { get; } = [PlacementPolicy.Prefix, PlacementPolicy.LeastLoaded, PlacementPolicy.RoundRobin];

    public static string Of(PlacementPolicy policy) => policy switch
    {
        PlacementPolicy.Prefix => "prefix",
        PlacementPolicy.LeastLoaded => "least-loaded",
        PlacementPolicy.RoundRobin => "round-robin",
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
    };

    /// <summary>The policies a --policy value names ("all" is every one); null when it names none.</summary>
    public static IReadOnlyList<PlacementPolicy>? Parse(string text) =>
        text == "all" ? All : All.Where(p => Of(p) == text).ToArray() is [var one] ? [one] : null;
}
