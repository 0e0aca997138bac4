using Xunit.Abstractions;

namespace Integration.Tests.Fleet;

/// <summary>`serve --workers 2` whose scheduler never removes a worker for failed health checks alone (threshold
/// 1000): a killed idle worker stays planned for, with its prefix cache, until a step fails or a health check sees
/// the new instance.</summary>
public sealed class LingeringWorkerFleet() : FleetSystem(
    new Dictionary<string, string> { ["Scheduler__WorkerHealthFailureThreshold"] = "1000" },
    "--workers", "2");

/// <summary>
/// The sharpest form of the restart case: requests sent the moment the restarted worker is ready, while the
/// scheduler most likely still plans for its previous life and places them there for the cached prefix. The
/// worker must refuse such steps (they name the old instance) and the requests move; if it ran them, it would
/// read KV blocks it never wrote.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class WorkerRestartRaceTests(LingeringWorkerFleet fleet, ITestOutputHelper output) : IClassFixture<LingeringWorkerFleet>
{
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromMinutes(2);
    private readonly PrefixRestart _scenario = new(fleet, output);

    [Fact]
    public async Task RestartedWorker_AsSoonAsItIsReady_AnswersPromptsWhosePrefixItsPreviousLifeCached_AsBefore()
    {
        var (before, holder, oldInstance) = await _scenario.AnswerAndFindTheCachingWorkerAsync();
        var mark = fleet.LineCount;
        var address = await _scenario.RestartAsync(holder);
        await PrefixRestart.WaitUntilWorkerIsReadyAsync(address, oldInstance);

        var after = await _scenario.AnswerAsync();

        // Which way it goes depends on the scheduler's health-check phase (every 2 s) and its channel's reconnect: the old
        // instance leaves for a step the new process refused, a step that could not connect yet, or a health check
        // that saw the new instance. Each way must give the same answers.
        foreach (var line in fleet.Log.Split('\n').Skip(mark).Where(l => l.Contains(") removed: ", StringComparison.Ordinal)))
            output.WriteLine(line);
        FleetAssert.SameAnswers(before, after, PrefixRestart.Chats);
    }
}
