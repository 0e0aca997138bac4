using Inference.Abstractions.Generation;
using Scheduler.Core;
using Scheduler.Core.Fleet;
using Scheduler.Core.Scheduling;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Fleet;

public sealed class WorkerFleetTests
{
    [Fact]
    public void Add_WithNoWorker_WaitsUnplaced_UntilAWorkerJoins()
    {
        var h = new FleetHarness();
        h.Fleet.Add(Requests.Make("a", promptLength: 5));
        Assert.Equal(1, h.Fleet.NumUnplaced);

        var lane = h.Join("w0");

        Assert.Equal(0, h.Fleet.NumUnplaced);
        Assert.Same(lane, h.Fleet.LaneOf("a"));
    }

    [Fact]
    public void RemoveWorker_MovesItsRequestsToAnotherWorker_WhichGetsThemInFull()
    {
        var h = new FleetHarness(placement: PlacementPolicy.RoundRobin);
        var w0 = h.Join("w0");
        var w1 = h.Join("w1");
        h.Fleet.Add(Requests.Make("a", promptLength: 9, maxTokens: 6));
        h.Step(w0);
        h.Step(w0);

        var moved = h.Fleet.RemoveWorker(w0);
        var plan = h.Step(w1)!;

        Assert.Equal(1, moved);
        var resent = Assert.Single(plan.NewRequests);
        Assert.Equal(("a", 0, 11), (resent.RequestId, resent.NumComputedTokens, resent.TokenIds.Count));
        Assert.Equal(1, h.Fleet.NumRequeued);
    }

    [Fact]
    public void RemoveWorker_MidGeneration_GivesTheSameTokensAsAnUninterruptedRun()
    {
        var uninterrupted = new FleetHarness();
        uninterrupted.Join("w0");
        uninterrupted.Fleet.Add(Requests.Make("a", promptLength: 9, maxTokens: 12, ignoreEos: true));
        uninterrupted.RunToCompletion();

        var h = new FleetHarness(placement: PlacementPolicy.RoundRobin);
        var w0 = h.Join("w0");
        h.Join("w1");
        h.Fleet.Add(Requests.Make("a", promptLength: 9, maxTokens: 12, ignoreEos: true));
        for (var i = 0; i < 5; i++)
        {
            h.Step(w0);
        }

        h.Fleet.RemoveWorker(w0);
        h.RunToCompletion();

        Assert.Equal(uninterrupted.OutputIds("a"), h.OutputIds("a"));
    }

    [Fact]
    public void RemoveWorker_LastOne_LeavesItsRequestsUnplaced()
    {
        var h = new FleetHarness();
        var w0 = h.Join("w0");
        h.Fleet.Add(Requests.Make("a", promptLength: 5));
        h.Step(w0);

        h.Fleet.RemoveWorker(w0);

        Assert.Equal(1, h.Fleet.NumUnplaced);
        Assert.Null(h.Fleet.BuildStep(w0));
    }

    [Fact]
    public void AddWorker_SameInstanceAgain_FirstStepTellsItToForgetWhatItHeld()
    {
        var executor = new FakeStepExecutor(FakeStepExecutor.DefaultInfo());
        var h = new FleetHarness();
        var first = h.Join("w0", "instance-1", executor);
        h.Fleet.Add(Requests.Make("a", promptLength: 5, maxTokens: 20));
        h.Step(first);
        h.Fleet.RemoveWorker(first);

        var again = h.Join("w0", "instance-1", executor);
        var plan = h.Step(again)!;

        Assert.Equal(["a"], plan.FinishedRequestIds);
        Assert.Equal("a", Assert.Single(plan.NewRequests).RequestId);
    }

    [Fact]
    public void AddWorker_NewInstance_HasAnEmptyPrefixCache()
    {
        var h = new FleetHarness();
        var first = h.Join("w0", "instance-1");
        h.Fleet.Add(Requests.Make("a", promptLength: 9, maxTokens: 1));
        h.RunToCompletion();
        h.Fleet.RemoveWorker(first);

        var restarted = h.Join("w0", "instance-2");
        h.Fleet.Add(Requests.Make("b", promptLength: 9, maxTokens: 1));
        var plan = h.Step(restarted)!;

        Assert.Equal(0, Assert.Single(plan.NewRequests).NumComputedTokens);
    }

    [Fact]
    public void Abort_Unplaced_EndsItAsAborted()
    {
        var h = new FleetHarness();
        h.Fleet.Add(Requests.Make("a", promptLength: 5));

        var output = h.Fleet.Abort("a");

        Assert.Equal(FinishReason.Abort, output!.Finish);
        Assert.Equal((0, 0), (h.Fleet.NumUnplaced, h.Fleet.NumUnfinished));
    }

    [Fact]
    public void TakeUnplaced_RemovesThemFromTheFleet()
    {
        var h = new FleetHarness();
        h.Fleet.Add(Requests.Make("a", promptLength: 5));
        h.Fleet.Add(Requests.Make("b", promptLength: 5));

        var taken = h.Fleet.TakeUnplaced();

        Assert.Equal(["a", "b"], taken.Select(r => r.RequestId));
        Assert.Equal(0, h.Fleet.NumUnfinished);
    }

    [Fact]
    public void Add_DuplicateId_IsRefused()
    {
        var h = new FleetHarness();
        h.Fleet.Add(Requests.Make("a", promptLength: 5));

        Assert.Throws<ArgumentException>(() => h.Fleet.Add(Requests.Make("a", promptLength: 5)));
    }

    [Fact]
    public void BuildStep_WhileAStepIsInFlight_ReturnsNull()
    {
        var h = new FleetHarness();
        var w0 = h.Join("w0");
        h.Fleet.Add(Requests.Make("a", promptLength: 5));

        Assert.NotNull(h.Fleet.BuildStep(w0));
        Assert.Null(h.Fleet.BuildStep(w0));
    }
}
