using System.Net;
using System.Text.RegularExpressions;
using Grpc.Net.Client;
using Inference.Contracts.Worker.V1;
using Integration.Tests.Support;
using Xunit.Abstractions;

namespace Integration.Tests.Fleet;

/// <summary>
/// The steps of the restart-while-idle tests: two chats sharing a long system prompt (ten KV blocks) are answered
/// and leave it in one worker's prefix cache; that worker is SIGKILLed and serve starts it again.
/// </summary>
public sealed class PrefixRestart(FleetSystem fleet, ITestOutputHelper output)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromMinutes(2);

    private static readonly string SystemPrompt = string.Concat(Enumerable.Repeat(
        "You are the assistant of a serving fleet. Keep every answer short, exact and friendly. ", 10));

    public static IReadOnlyList<ChatCall> Chats { get; } =
    [
        new(SystemPrompt, "What is a worker?", 24),
        new(SystemPrompt, "Why does a prefix cache help?", 24),
    ];

    /// <summary>The chats' answers on the whole fleet, the worker whose prefix cache now holds the system prompt,
    /// and that worker's instance id.</summary>
    public async Task<(CompletionAnswer[] Answers, string Holder, string Instance)> AnswerAndFindTheCachingWorkerAsync()
    {
        await fleet.WaitUntilServingAsync(StatusTimeout);
        var stepsBefore = Steps(await fleet.MetricsAsync(StatusTimeout));
        var answers = await AnswerAsync();
        var stepsAfter = Steps(await fleet.MetricsAsync(StatusTimeout));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));

        // The fleet is otherwise idle, so the worker that took steps ran the chats (the second one placed there for
        // the prefix it had cached).
        var holder = stepsAfter.MaxBy(s => s.Value - stepsBefore.GetValueOrDefault(s.Key)).Key;
        var status = await fleet.StatusAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"the system prompt is cached on {holder}; steps {string.Join(", ", stepsAfter.Select(s => $"{s.Key} +{s.Value - stepsBefore.GetValueOrDefault(s.Key)}"))}");
        return (answers, holder, status.Workers.Single(w => w.WorkerId == holder).InstanceId);
    }

    /// <summary>The chats, one after the other.</summary>
    public async Task<CompletionAnswer[]> AnswerAsync()
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

    /// <summary>SIGKILLs the worker and waits for serve's restart line and the new process's line; returns its address.</summary>
    public async Task<Uri> RestartAsync(string workerId)
    {
        var index = FleetSystem.IndexOf(workerId);
        var mark = fleet.LineCount;
        Signals.Send(fleet.WorkerPids[index], Signals.Kill);
        await fleet.WaitForLineAsync(new Regex($@"^\[serve\] npu-worker-{index} \(pid \d+\) exited with code .*; restarting it in "), mark, StatusTimeout);
        var started = await fleet.WaitForLineAsync(new Regex($@"^worker {index}: pid \d+, (?<url>http://127\.0\.0\.1:\d+)$"), mark, StatusTimeout);
        return new Uri(started.Groups["url"].Value);
    }

    /// <summary>Asks the worker itself (not the scheduler) until it answers ready as a new instance.</summary>
    public static async Task WaitUntilWorkerIsReadyAsync(Uri address, string oldInstance)
    {
        var deadline = DateTime.UtcNow + StatusTimeout;
        while (true)
        {
            // A new channel each time: a channel whose connection failed waits out a reconnect backoff (1 s and
            // growing) before it tries again, and this should notice the worker within 50 ms.
            using (var channel = GrpcChannel.ForAddress(address))
            {
                try
                {
                    var health = await new Worker.WorkerClient(channel).HealthAsync(new HealthRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
                    if (health.Ready && health.InstanceId != oldInstance) return;
                }
                catch (Grpc.Core.RpcException) when (DateTime.UtcNow < deadline) { } // Not listening yet.
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the worker at {address} was not ready within {StatusTimeout}");
            await Task.Delay(50);
        }
    }

    private static IReadOnlyDictionary<string, double> Steps(string metrics) => PrometheusText.ByLabel(metrics, "inference:steps_total", "worker");
}
