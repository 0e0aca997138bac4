using Inference.Cli.Simulation;
using Scheduler.Core.Fleet;

namespace Scheduler.Tests.Simulation;

public sealed class PolicyNamesTests
{
    [Fact]
    public void Parse_All_GivesEveryPolicyInTableOrder() =>
        Assert.Equal([PlacementPolicy.Prefix, PlacementPolicy.LeastLoaded, PlacementPolicy.RoundRobin], PolicyNames.Parse("all"));

    [Fact]
    public void Parse_OneName_GivesThatPolicy() => Assert.Equal([PlacementPolicy.LeastLoaded], PolicyNames.Parse("least-loaded"));

    [Fact]
    public void Parse_UnknownName_GivesNull() => Assert.Null(PolicyNames.Parse("fastest"));
}
