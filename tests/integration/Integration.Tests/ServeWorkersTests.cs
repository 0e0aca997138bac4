using System.ClientModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using OpenAI;
using OpenAI.Chat;

namespace Integration.Tests;

/// <summary>`serve --workers 2`: two npu-worker processes behind one scheduler.</summary>
public sealed class TwoWorkerServedSystem() : ServedSystem("--workers", "2");

/// <summary>
/// What the launcher guarantees for a fleet of workers: each worker is its own child process, announced with its pid,
/// and a worker that dies is restarted (with a growing backoff) while serve and the API keep running. The tests share
/// one system: each leaves it serving, the kill test uses worker 0 and the backoff test worker 1. Moving in-flight
/// requests to another worker is the scheduler's job and is not asserted here.
/// </summary>
public sealed class ServeWorkersTests(TwoWorkerServedSystem system) : IClassFixture<TwoWorkerServedSystem>
{
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Serve_WithTwoWorkers_AnnouncesTwoChildWorkersAndCompletes()
    {
        var pids = system.WorkerPids;

        Assert.Equal([0, 1], pids.Keys.Order());
        Assert.All(pids.Values, pid => Assert.Equal(system.ServePid, ParentPid(pid)));
        Assert.Contains(system.Log.Split('\n'), line => line.StartsWith("OpenAI API: ", StringComparison.Ordinal));
        Assert.NotEmpty(await CompleteAsync());
    }

    [Fact]
    public async Task KillingAWorker_RestartsItAndServeKeepsServing()
    {
        var mark = system.LineCount;
        var killed = system.WorkerPids[0];

        Kill(killed);

        var restart = await system.WaitForLineAsync(RestartLine(0), mark, LineTimeout);
        Assert.Equal(killed, int.Parse(restart.Groups["pid"].Value, CultureInfo.InvariantCulture));
        Assert.Equal("137", restart.Groups["code"].Value);
        var started = await system.WaitForLineAsync(WorkerLine(0), mark, LineTimeout);
        var replacement = int.Parse(started.Groups["pid"].Value, CultureInfo.InvariantCulture);
        Assert.NotEqual(killed, replacement);
        Assert.Equal(system.ServePid, ParentPid(replacement));
        Assert.NotEmpty(await CompleteWithinAsync(RecoveryTimeout));
        Assert.False(system.ServeHasExited);
    }

    [Fact]
    public async Task KillingAWorkerRightAfterItsRestart_DoublesTheRestartDelay()
    {
        var mark = system.LineCount;
        Kill(system.WorkerPids[1]);
        var first = await system.WaitForLineAsync(RestartLine(1), mark, LineTimeout);
        var restarted = await system.WaitForLineAsync(WorkerLine(1), mark, LineTimeout);

        mark = system.LineCount;
        Kill(int.Parse(restarted.Groups["pid"].Value, CultureInfo.InvariantCulture));
        var second = await system.WaitForLineAsync(RestartLine(1), mark, LineTimeout);
        await system.WaitForLineAsync(WorkerLine(1), mark, LineTimeout);

        Assert.Equal(Attempt(first) + 1, Attempt(second));
        Assert.Equal(Math.Min(2 * Delay(first), 10), Delay(second));
        await CompleteWithinAsync(RecoveryTimeout); // leaves the system serving for the other tests
    }

    private async Task<string> CompleteAsync()
    {
        using var timeout = new CancellationTokenSource(RequestTimeout);
        var chat = new ChatClient(system.ModelName, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = system.ApiBase });
        ChatCompletion completion = await chat.CompleteChatAsync(
            [new UserChatMessage("Hello!")],
            new ChatCompletionOptions { MaxOutputTokenCount = 4, Temperature = 0 },
            timeout.Token);
        return completion.Content[0].Text;
    }

    /// <summary>A completion, retried until one succeeds: the restarted worker needs a moment to load the model.</summary>
    private async Task<string> CompleteWithinAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                return await CompleteAsync();
            }
            catch (Exception e) when (e is ClientResultException or HttpRequestException or OperationCanceledException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private static void Kill(int pid)
    {
        using var process = Process.GetProcessById(pid);
        process.Kill(); // SIGKILL on Linux
    }

    /// <summary>The parent process id, field 4 of /proc/PID/stat (after the parenthesised command name).</summary>
    private static int ParentPid(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[1], CultureInfo.InvariantCulture);
    }

    private static int Attempt(Match restart) => int.Parse(restart.Groups["attempt"].Value, CultureInfo.InvariantCulture);

    private static double Delay(Match restart) => double.Parse(restart.Groups["delay"].Value, CultureInfo.InvariantCulture);

    private static Regex RestartLine(int worker) => new(
        $@"^\[serve\] npu-worker-{worker} \(pid (?<pid>\d+)\) exited with code (?<code>\d+)\b.*; restarting it in (?<delay>[\d.]+) s \(attempt (?<attempt>\d+)\)$");

    private static Regex WorkerLine(int worker) => new($@"^worker {worker}: pid (?<pid>\d+), http://127\.0\.0\.1:\d+$");
}
