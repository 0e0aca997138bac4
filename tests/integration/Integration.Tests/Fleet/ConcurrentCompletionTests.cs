namespace Integration.Tests.Fleet;

/// <summary>`serve --workers 2` under 16 concurrent greedy completions of mixed lengths.</summary>
[Collection(FleetCollection.Name)]
public sealed class ConcurrentCompletionTests(TwoWorkerFleet fleet)
{
    private static readonly TimeSpan BurstTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task SixteenConcurrentCompletions_EachEqualsTheSameRequestSentAlone()
    {
        var alone = await fleet.AloneAnswersAsync();
        await fleet.WaitUntilServingAsync(StatusTimeout);

        var together = await fleet.RunTogetherAsync(FleetWorkload.Calls, BurstTimeout);

        FleetAssert.SameAnswers(alone, together, FleetWorkload.Calls);
    }

    [Fact]
    public async Task SixteenConcurrentCompletions_RunStepsOnBothWorkers()
    {
        await fleet.WaitUntilServingAsync(StatusTimeout);
        var before = PrometheusText.ByLabel(await fleet.MetricsAsync(StatusTimeout), "inference:steps_total", "worker");

        await fleet.RunTogetherAsync(FleetWorkload.Calls, BurstTimeout);

        var after = PrometheusText.ByLabel(await fleet.MetricsAsync(StatusTimeout), "inference:steps_total", "worker");
        var stepped = after.Where(s => s.Value > before.GetValueOrDefault(s.Key)).Select(s => s.Key).Order();
        Assert.Equal(["worker-0", "worker-1"], stepped);
    }
}
