using System.Net;
using Xunit.Abstractions;

namespace Integration.Tests.Fleet;

/// <summary>A worker SIGKILLed while 16 completions stream: its requests are recomputed on the other worker.</summary>
[Collection(FleetCollection.Name)]
public sealed class WorkerKillTests(TwoWorkerFleet fleet, ITestOutputHelper output)
{
    private static readonly TimeSpan BurstTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task KillingTheBusiestWorkerMidGeneration_EveryCompletionStillEqualsItsAloneAnswer()
    {
        var alone = await fleet.AloneAnswersAsync();
        await fleet.WaitUntilServingAsync(StatusTimeout);
        var requeuedBefore = PrometheusText.Sum(await fleet.MetricsAsync(StatusTimeout), "inference:requests_requeued_total");
        string? killed = null;

        try
        {
            var answers = await fleet.RunTogetherAsync(FleetWorkload.Calls, BurstTimeout, whenAllStreaming: async () =>
            {
                // The worker holding the most requests once every request has its first token (stopped, then killed).
                var (busiest, pid) = await fleet.StopBusiestWorkerAsync();
                killed = $"{busiest.WorkerId} ({busiest.NumRunning} running, {busiest.NumWaiting} waiting)";
                Signals.Send(pid, Signals.Kill);
            });

            output.WriteLine($"killed {killed}");
            Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
            FleetAssert.SameAnswers(alone, answers, FleetWorkload.Calls);
            var requeued = PrometheusText.Sum(await fleet.MetricsAsync(StatusTimeout), "inference:requests_requeued_total") - requeuedBefore;
            Assert.True(requeued > 0, $"no request moved off {killed}: the kill came too late to test anything");
        }
        finally
        {
            // serve restarts the worker; the next test gets the whole fleet back.
            await fleet.WaitUntilServingAsync(StatusTimeout);
        }
    }
}
