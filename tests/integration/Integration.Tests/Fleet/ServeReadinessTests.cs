using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace Integration.Tests.Fleet;

/// <summary>
/// The gateway's /health is 200 only when a request can be served end to end: polled every 50 ms from the moment
/// serve starts, its first 200 is followed at once by a completion, which must never fail with a 5xx.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class ServeReadinessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Starts = 20;

    /// <summary>The API port is chosen here, free a moment before serve starts (the test must know it to poll /health
    /// before serve's ready line); on a machine shared with other test runs it is now and then taken in between, and
    /// serve stops. Such a start is not what this test is about.</summary>
    private const int PortCollisionRetries = 3;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private readonly string _model = Path.Combine(Path.GetTempPath(), "integration-model-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        var make = await CliProgram.RunAsync(TimeSpan.FromMinutes(2), "make-model", "--out", _model, "--preset", "tiny", "--seed", "0");
        Assert.True(make.ExitCode == 0, make.Stderr);
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_model)) Directory.Delete(_model, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task FreshServe_CompletionSentTheMomentHealthIs200_NeverGets5xx()
    {
        var failures = new List<string>();
        var retries = 0;
        for (var start = 0; start < Starts; start++)
        {
            var port = ServeRun.FreePort();
            var clock = Stopwatch.StartNew();
            await using var serve = ServeRun.Start("--model", _model, "--port", port.ToString(), "--workers", "1");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = RequestTimeout };

            if (!await WaitForHealthyAsync(http, serve))
            {
                output.WriteLine($"start {start}: a port serve chose was taken before its service bound it; starting again\n{serve.Log}");
                Assert.True(++retries <= PortCollisionRetries, $"serve lost a port race {retries} times");
                start--;
                continue;
            }
            var healthyAfter = clock.Elapsed;
            using var response = await http.PostAsJsonAsync("/v1/completions", new { prompt = "Hello", max_tokens = 4, temperature = 0, ignore_eos = true });

            output.WriteLine($"start {start}: /health 200 after {healthyAfter.TotalSeconds:F1} s, completion {(int)response.StatusCode}");
            if (response.StatusCode != HttpStatusCode.OK)
                failures.Add($"start {start}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\n{serve.Log}");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {Starts} completions failed right after /health said 200:\n{string.Join("\n\n", failures)}");
    }

    /// <summary>True once /health says 200; false when serve stopped because a port it chose was taken.</summary>
    private static async Task<bool> WaitForHealthyAsync(HttpClient http, ServeRun serve)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                using var health = await http.GetAsync("/health");
                if (health.StatusCode == HttpStatusCode.OK) return true;
            }
            catch (HttpRequestException) { } // Not listening yet.
            // A connection the listener drops the moment it is made (while serve is still starting) surfaces from
            // HttpClient as a bare SocketException (ENOTCONN from the remote-endpoint lookup), not wrapped.
            catch (SocketException) { }
            if (serve.HasExited)
            {
                await serve.DisposeAsync(); // Its last lines are read.
                if (serve.Log.Contains("address already in use", StringComparison.Ordinal)) return false;
                throw new InvalidOperationException($"serve exited before /health said 200:\n{serve.Log}");
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"/health did not say 200 within {StartTimeout}:\n{serve.Log}");
            await Task.Delay(50);
        }
    }
}
