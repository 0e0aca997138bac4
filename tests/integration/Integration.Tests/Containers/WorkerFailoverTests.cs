using System.Diagnostics;
using Inference.Contracts.Scheduler.V1;
using Integration.Tests.Support;
using Xunit.Abstractions;

namespace Integration.Tests.Containers;

/// <summary>
/// Two worker containers behind one scheduler: a worker container killed while it generates loses nothing; the
/// scheduler moves its requests to the other worker, which recomputes them, and greedy output stays the same.
/// </summary>
[Collection(ContainerCollection.Name)]
public sealed class WorkerFailoverTests(ContainerSystem system, ITestOutputHelper output)
{
    private const int RequestCount = 16;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MetricsTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task KillingAWorkerContainerMidGeneration_EveryCompletionEqualsItsRunAlone()
    {
        using var http = system.CreateHttpClient();
        http.Timeout = Timeout.InfiniteTimeSpan; // each call below carries its own bound
        using (var ready = new CancellationTokenSource(MetricsTimeout))
        {
            Assert.Equal(ContainerSystem.WorkerCount, await system.ReadyWorkersAsync(ready.Token));
        }

        var cases = Enumerable.Range(0, RequestCount)
            // Long enough (96 to 576 tokens) that the burst is still generating when the worker containers are paused,
            // even on a loaded machine: at 48 to 288 tokens the tiny model once finished first.
            .Select(i => new CompletionCall($"Request {i}: {string.Concat(Enumerable.Repeat("tell me more ", i % 5 + 1))}", 96 + 32 * i))
            .ToArray();

        var clock = Stopwatch.StartNew();
        var alone = new List<CompletionAnswer>();
        foreach (var call in cases)
        {
            using var timeout = new CancellationTokenSource(RequestTimeout);
            alone.Add(await StreamedCompletion.RunAsync(http, call, timeout.Token));
        }

        output.WriteLine($"{RequestCount} requests one at a time: {clock.Elapsed.TotalSeconds:F1} s");
        clock.Restart();
        var requeuedBefore = await RequeuedAsync();
        using var running = new CancellationTokenSource(RequestTimeout);
        var firstTexts = cases.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var together = cases.Select((c, i) => StreamedCompletion.RunAsync(http, c, running.Token, () => firstTexts[i].TrySetResult())).ToArray();
        using var busy = new CancellationTokenSource(BusyTimeout);
        await Task.WhenAll(firstTexts.Select(t => t.Task)).WaitAsync(busy.Token);
        var (busiest, killed) = await system.PauseBusiestWorkerAsync(busy.Token);
        await system.KillAsync(killed, busy.Token);
        output.WriteLine($"killed worker container {killed.Id[..12]} ({busiest.WorkerId}, {busiest.NumRunning} running) after {clock.Elapsed.TotalSeconds:F1} s");
        var results = await Task.WhenAll(together).WaitAsync(running.Token);
        output.WriteLine($"{RequestCount} requests together: {clock.Elapsed.TotalSeconds:F1} s");

        Assert.All(alone.Concat(results), c => Assert.Null(c.Error));
        Assert.Equal(alone.Select(c => c.Text), results.Select(c => c.Text));
        Assert.Equal(cases.Select(c => ((string?)"length", (int?)c.MaxTokens)), results.Select(c => (c.FinishReason, c.CompletionTokens)));
        var requeued = await RequeuedAsync() - requeuedBefore;
        output.WriteLine($"requests moved off the killed worker: {requeued}");
        Assert.True(requeued > 0, "the killed worker held no request, so nothing was moved");
    }

    private async Task<double> RequeuedAsync()
    {
        using var timeout = new CancellationTokenSource(MetricsTimeout);
        return PrometheusText.Sum(await system.ReadMetricsAsync(timeout.Token), "inference:requests_requeued_total");
    }
}
