using System.Net;
using System.Text.RegularExpressions;
using Grpc.Net.Client;
using Inference.Contracts.Worker.V1;
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
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromMinutes(2);

    private static readonly string SystemPrompt = string.Concat(Enumerable.Repeat(
        "You are the assistant of a serving fleet. Keep every answer short, exact and friendly. ", 10));

    private static readonly ChatCall[] Chats =
    [
        new(SystemPrompt, "What is a worker?", 24),
        new(SystemPrompt, "Why does a prefix cache help?", 24),
    ];

    [Fact]
    public async Task RestartedWorker_OnceServingAgain_AnswersPromptsWhosePrefixItsPreviousLifeCached_AsBefore()
    {
        var (before, holder, oldInstance) = await AnswerAndFindTheCachingWorkerAsync();

        await RestartAsync(holder);
        await fleet.WaitUntilServingAsync(StatusTimeout, s => s.Workers.Single(w => w.WorkerId == holder).InstanceId != oldInstance);
        await AssertHealthyAsync();

        FleetAssert.SameAnswers(before, await AnswerAsync(), Chats);
    }

    [Fact]
    public async Task RestartedWorker_AsSoonAsItAnswers_AnswersPromptsWhosePrefixItsPreviousLifeCached_AsBefore()
    {
        var (before, holder, oldInstance) = await AnswerAndFindTheCachingWorkerAsync();
        var mark = fleet.LineCount;

        var address = await RestartAsync(holder);
        // The new process is ready, but the scheduler (health checks every 2 s) most likely still plans steps for
        // the old instance, with its cached prefix: the worker must refuse those, and the requests move.
        await WaitUntilWorkerAnswersAsync(address, oldInstance);
        var after = await AnswerAsync();

        output.WriteLine(fleet.Log.Split('\n').Skip(mark).Any(l => l.Contains("Refused step", StringComparison.Ordinal))
            ? "the restarted worker refused a step planned for its previous life"
            : "the scheduler noticed the restart before the requests came");
        FleetAssert.SameAnswers(before, after, Chats);
        await fleet.WaitUntilServingAsync(StatusTimeout);
    }

    /// <summary>The chats' answers on the whole fleet, the worker whose prefix cache holds the system prompt, and
    /// that worker's instance id.</summary>
    private async Task<(CompletionAnswer[] Answers, string Holder, string Instance)> AnswerAndFindTheCachingWorkerAsync()
    {
        await fleet.WaitUntilServingAsync(StatusTimeout);
        var stepsBefore = Steps(await fleet.MetricsAsync(StatusTimeout));
        var answers = await AnswerAsync();
        var stepsAfter = Steps(await fleet.MetricsAsync(StatusTimeout));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));

        // Idle otherwise, so the worker that took steps ran the chats (the second one placed there for the prefix).
        var holder = stepsAfter.MaxBy(s => s.Value - stepsBefore.GetValueOrDefault(s.Key)).Key;
        var status = await fleet.StatusAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"the system prompt is cached on {holder}; steps {string.Join(", ", stepsAfter.Select(s => $"{s.Key} +{s.Value - stepsBefore.GetValueOrDefault(s.Key)}"))}");
        return (answers, holder, status.Workers.Single(w => w.WorkerId == holder).InstanceId);
    }

    private async Task<CompletionAnswer[]> AnswerAsync()
    {
        using var http = fleet.Http();
        var answers = new List<CompletionAnswer>();
        foreach (var chat in Chats)
        {
            using var cts = new CancellationTokenSource(RequestTimeout);
            answers.Add(await chat.RunAsync(http, cts.Token));
        }
        return [.. answers];
    }

    /// <summary>SIGKILLs the worker and waits for serve to start it again; returns its address.</summary>
    private async Task<Uri> RestartAsync(string workerId)
    {
        var index = FleetSystem.IndexOf(workerId);
        var mark = fleet.LineCount;
        Signals.Send(fleet.WorkerPids[index], Signals.Kill);
        await fleet.WaitForLineAsync(RestartLine(index), mark, StatusTimeout);
        var started = await fleet.WaitForLineAsync(WorkerLine(index), mark, StatusTimeout);
        return new Uri(started.Groups["url"].Value);
    }

    /// <summary>Asks the worker itself (not the scheduler) until it is ready as a new instance.</summary>
    private static async Task WaitUntilWorkerAnswersAsync(Uri address, string oldInstance)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var client = new Worker.WorkerClient(channel);
        var deadline = DateTime.UtcNow + StatusTimeout;
        while (true)
        {
            try
            {
                var health = await client.HealthAsync(new HealthRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
                if (health.Ready && health.InstanceId != oldInstance) return;
            }
            catch (Grpc.Core.RpcException) when (DateTime.UtcNow < deadline) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the worker at {address} was not ready within {StatusTimeout}");
            await Task.Delay(50);
        }
    }

    private async Task AssertHealthyAsync()
    {
        using var http = fleet.Http();
        using var cts = new CancellationTokenSource(RequestTimeout);
        using var health = await http.GetAsync("/health", cts.Token);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static IReadOnlyDictionary<string, double> Steps(string metrics) => PrometheusText.ByLabel(metrics, "inference:steps_total", "worker");

    private static Regex RestartLine(int worker) => new($@"^\[serve\] npu-worker-{worker} \(pid \d+\) exited with code .*; restarting it in ");

    private static Regex WorkerLine(int worker) => new($@"^worker {worker}: pid \d+, (?<url>http://127\.0\.0\.1:\d+)$");
}
