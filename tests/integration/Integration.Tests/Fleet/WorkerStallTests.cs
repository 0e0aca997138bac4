using System.Net;
using Xunit.Abstractions;

namespace Integration.Tests.Fleet;

/// <summary>`serve --workers 2` that notices a stalled worker within seconds: a 3 s step deadline (plus 5 ms per
/// token) and a health check every 0.5 s, set through serve's environment.</summary>
public sealed class StallDetectingFleet() : FleetSystem(
    new Dictionary<string, string>
    {
        ["Scheduler__StepTimeoutSeconds"] = "3",
        ["Scheduler__StepTimeoutMsPerToken"] = "5",
        ["Scheduler__WorkerHealthIntervalSeconds"] = "0.5",
    },
    "--workers", "2");

/// <summary>
/// A worker SIGSTOPped while 16 completions stream (it neither answers nor dies): the scheduler removes it at the
/// step deadline or after failed health checks, and its requests are recomputed on the other worker. The
/// reference answers come from the shared healthy fleet (same checkpoint, same requests, each sent alone).
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class WorkerStallTests(StallDetectingFleet fleet, TwoWorkerFleet healthy, ITestOutputHelper output)
    : IClassFixture<StallDetectingFleet>
{
    private static readonly TimeSpan BurstTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task StoppingTheBusiestWorkerMidGeneration_EveryCompletionStillEqualsItsAloneAnswer()
    {
        var alone = await healthy.AloneAnswersAsync();
        await fleet.WaitUntilServingAsync(StatusTimeout);
        var removalsBefore = PrometheusText.Sum(await fleet.MetricsAsync(StatusTimeout), "inference:worker_removals_total");
        int? stopped = null;

        try
        {
            var answers = await fleet.RunTogetherAsync(FleetWorkload.Calls, BurstTimeout, whenAllStreaming: async () =>
            {
                var (busiest, pid) = await fleet.StopBusiestWorkerAsync();
                stopped = pid;
                output.WriteLine($"stopped {busiest.WorkerId} ({busiest.NumRunning} running, {busiest.NumWaiting} waiting)");
            });

            Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
            FleetAssert.SameAnswers(alone, answers, FleetWorkload.Calls);
            var removals = PrometheusText.Sum(await fleet.MetricsAsync(StatusTimeout), "inference:worker_removals_total") - removalsBefore;
            Assert.True(removals > 0, "the stopped worker was never removed: its requests cannot have moved");
        }
        finally
        {
            if (stopped is { } pid) Signals.Send(pid, Signals.Continue);
        }
    }

    [Fact]
    public async Task AStoppedWorker_OnceContinued_RejoinsAndAnswersLikeAloneAgain()
    {
        var alone = await healthy.AloneAnswersAsync();
        await fleet.WaitUntilServingAsync(StatusTimeout);
        var status = await fleet.StatusAsync(TimeSpan.FromSeconds(10));
        var target = status.Workers.MaxBy(w => w.WorkerId, StringComparer.Ordinal)!;
        var pid = fleet.WorkerPids[FleetSystem.IndexOf(target.WorkerId)];

        // Stopped just before a burst: the steps planned for it wait unread in its socket until it continues, long
        // after the scheduler gave up on them and moved their requests.
        Signals.Send(pid, Signals.Stop);
        try
        {
            await fleet.RunTogetherAsync(FleetWorkload.Calls, BurstTimeout);
        }
        finally
        {
            Signals.Send(pid, Signals.Continue);
        }
        await fleet.WaitUntilServingAsync(StatusTimeout);
        var stepsBefore = PrometheusText.ByLabel(await fleet.MetricsAsync(StatusTimeout), "inference:steps_total", "worker").GetValueOrDefault(target.WorkerId);

        var answers = await fleet.RunTogetherAsync(FleetWorkload.Calls, BurstTimeout);

        FleetAssert.SameAnswers(alone, answers, FleetWorkload.Calls);
        var steps = PrometheusText.ByLabel(await fleet.MetricsAsync(StatusTimeout), "inference:steps_total", "worker").GetValueOrDefault(target.WorkerId) - stepsBefore;
        Assert.True(steps > 0, $"{target.WorkerId} took no step after it continued: it did not rejoin");
    }
}
