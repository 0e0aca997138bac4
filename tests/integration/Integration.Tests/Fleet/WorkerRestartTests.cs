using System.Net;
using Xunit.Abstractions;

namespace Integration.Tests.Fleet;

/// <summary>
/// A worker restarted while idle is a new, empty worker: prompts whose prefix its previous life cached must be
/// computed again, never served from KV memory the new process does not have (silent corruption). The answers
/// after the restart are compared with the same requests' answers before it.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class WorkerRestartTests(TwoWorkerFleet fleet, ITestOutputHelper output)
{
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromMinutes(2);
    private readonly PrefixRestart _scenario = new(fleet, output);

    [Fact]
    public async Task RestartedWorker_OnceServingAgain_AnswersPromptsWhosePrefixItsPreviousLifeCached_AsBefore()
    {
        var (before, holder, oldInstance) = await _scenario.AnswerAndFindTheCachingWorkerAsync();

        await _scenario.RestartAsync(holder);
        await fleet.WaitUntilServingAsync(StatusTimeout, s => s.Workers.Single(w => w.WorkerId == holder).InstanceId != oldInstance);
        using (var http = fleet.Http())
        using (var cts = new CancellationTokenSource(StatusTimeout))
        using (var health = await http.GetAsync("/health", cts.Token))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        FleetAssert.SameAnswers(before, await _scenario.AnswerAsync(), PrefixRestart.Chats);
    }
}
