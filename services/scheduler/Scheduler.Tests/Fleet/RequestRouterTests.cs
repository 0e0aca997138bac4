using Scheduler.Core.Fleet;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Fleet;

public sealed class RequestRouterTests
{
    /// <summary>A fleet whose w1 holds the 8-token prefix 1..8 in its cache (block size 4).</summary>
    private static (FleetHarness H, WorkerLane W0, WorkerLane W1) WithPrefixCachedOnW1(int balanceThreshold = 4)
    {
        var h = new FleetHarness(balanceThreshold: balanceThreshold);
        var w0 = h.Join("w0");
        var w1 = h.Join("w1");
        h.Fleet.Add(Requests.Make("warm-0", promptLength: 3, firstToken: 500, maxTokens: 1)); // lands on w0 (tie, first)
        h.Fleet.Add(Requests.Make("warm-1", promptLength: 9, maxTokens: 1)); // w1: less loaded
        h.RunToCompletion();
        Assert.Equal(8, w1.Scheduler.KvCache.CountCachedPrefixTokens(Requests.Make("probe", promptLength: 12)));
        return (h, w0, w1);
    }

    [Fact]
    public void Prefix_PicksTheWorkerHoldingTheLongestCachedPrefix()
    {
        var (h, _, w1) = WithPrefixCachedOnW1();

        h.Fleet.Add(Requests.Make("a", promptLength: 12));

        Assert.Same(w1, h.Fleet.LaneOf("a"));
    }

    [Fact]
    public void Prefix_BeyondTheBalanceThreshold_PicksTheLeastLoadedInstead()
    {
        var (h, w0, w1) = WithPrefixCachedOnW1(balanceThreshold: 2);
        for (var i = 0; i < 3; i++)
        {
            h.Fleet.Add(Requests.Make($"hot-{i}", promptLength: 12));
        }

        h.Fleet.Add(Requests.Make("next", promptLength: 12));

        Assert.Equal(3, w1.Load); // the first three shared the cached prefix until w1 was 3 ahead
        Assert.Same(w0, h.Fleet.LaneOf("next"));
    }

    [Fact]
    public void Prefix_WithNothingCached_PicksTheLeastLoaded()
    {
        var h = new FleetHarness();
        var w0 = h.Join("w0");
        var w1 = h.Join("w1");
        h.Fleet.Add(Requests.Make("a", promptLength: 5, firstToken: 100));

        h.Fleet.Add(Requests.Make("b", promptLength: 5, firstToken: 200));

        Assert.Same(w0, h.Fleet.LaneOf("a"));
        Assert.Same(w1, h.Fleet.LaneOf("b"));
    }

    [Fact]
    public void RoundRobin_TakesEachWorkerInTurn()
    {
        var h = new FleetHarness(placement: PlacementPolicy.RoundRobin);
        var lanes = new[] { h.Join("w0"), h.Join("w1"), h.Join("w2") };

        for (var i = 0; i < 6; i++)
        {
            h.Fleet.Add(Requests.Make($"r{i}", promptLength: 5));
        }

        Assert.Equal([lanes[0], lanes[1], lanes[2], lanes[0], lanes[1], lanes[2]], Enumerable.Range(0, 6).Select(i => h.Fleet.LaneOf($"r{i}")));
    }

    [Fact]
    public void LeastLoaded_IgnoresTheCache()
    {
        var h = new FleetHarness(placement: PlacementPolicy.LeastLoaded);
        var w0 = h.Join("w0");
        var w1 = h.Join("w1");
        h.Fleet.Add(Requests.Make("warm", promptLength: 9, maxTokens: 1));
        h.RunToCompletion(); // w0 caches 1..8
        h.Fleet.Add(Requests.Make("busy", promptLength: 3, firstToken: 500));

        h.Fleet.Add(Requests.Make("a", promptLength: 12));

        Assert.Same(w0, h.Fleet.LaneOf("busy"));
        Assert.Same(w1, h.Fleet.LaneOf("a"));
    }
}
