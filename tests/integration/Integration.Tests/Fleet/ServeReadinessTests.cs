using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Integration.Tests.Fleet;

/// <summary>
/// The gateway's /health is 200 only when a request can be served end to end: polled every 50 ms from the moment
/// serve starts, its first 200 is followed at once by a completion, which must never fail with a 5xx.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed partial class ServeReadinessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Starts = 20;

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
        for (var start = 0; start < Starts; start++)
        {
            var clock = Stopwatch.StartNew();
            await using var serve = ServeRun.Start("--model", _model, "--port", "0", "--workers", "1");

            var api = await WaitForHealthyAsync(serve);
            var healthyAfter = clock.Elapsed;
            using var http = new HttpClient { BaseAddress = api, Timeout = RequestTimeout };
            using var response = await http.PostAsJsonAsync("/v1/completions", new { prompt = "Hello", max_tokens = 4, temperature = 0, ignore_eos = true });

            output.WriteLine($"start {start}: /health 200 after {healthyAfter.TotalSeconds:F1} s, completion {(int)response.StatusCode}");
            if (response.StatusCode != HttpStatusCode.OK)
                failures.Add($"start {start}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\n{serve.Log}");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {Starts} completions failed right after /health said 200:\n{string.Join("\n\n", failures)}");
    }

    /// <summary>
    /// Polls /health every 50 ms from the moment the gateway reports where it listens (serve forwards its
    /// "Listening on" line before anything else of it) until it says 200; returns the API's address.
    /// </summary>
    private static async Task<Uri> WaitForHealthyAsync(ServeRun serve)
    {
        using var http = new HttpClient { Timeout = RequestTimeout };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            // The latest line: a gateway started again (its gRPC port was taken) listens on another API port.
            if (GatewayListening().Matches(serve.Log) is { Count: > 0 } lines)
            {
                var api = new Uri($"http://127.0.0.1:{lines[^1].Groups[1].Value}");
                try
                {
                    using var health = await http.GetAsync(new Uri(api, "/health"));
                    if (health.StatusCode == HttpStatusCode.OK) return api;
                }
                catch (HttpRequestException) { } // Not accepting yet.
                // A connection the listener drops the moment it is made (while it is still starting) surfaces from
                // HttpClient as a bare SocketException (ENOTCONN from the remote-endpoint lookup), not wrapped.
                catch (SocketException) { }
            }
            if (serve.HasExited)
            {
                await serve.DisposeAsync(); // Its last lines are read.
                throw new InvalidOperationException($"serve exited before /health said 200:\n{serve.Log}");
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"/health did not say 200 within {StartTimeout}:\n{serve.Log}");
            await Task.Delay(50);
        }
    }

    /// <summary>The gateway's bound addresses, the OpenAI API's first (the gRPC front door's is added after it).</summary>
    [GeneratedRegex(@"^\[openai-gateway\] .*Listening on: http://127\.0\.0\.1:(\d+)", RegexOptions.Multiline)]
    private static partial Regex GatewayListening();
}
