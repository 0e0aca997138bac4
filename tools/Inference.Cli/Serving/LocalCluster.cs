using System.Net.Http.Json;
using System.Text.Json;

namespace Inference.Cli.Serving;

/// <summary>The four services as local processes on loopback ports, wired to each other, started in dependency order.</summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly List<ServiceProcess> _services = [];

    private LocalCluster(int httpPort, int grpcPort)
    {
        HttpPort = httpPort;
        GrpcPort = grpcPort;
    }

    public int HttpPort { get; }

    public int GrpcPort { get; }

    public string ApiBase => $"http://127.0.0.1:{HttpPort}/v1";

    public IReadOnlyList<ServiceProcess> Services => _services;

    public static LocalCluster Start(string modelDirectory, int httpPort, int? kvCacheMiB, ServiceBinaries binaries, TextWriter log)
    {
        var tokenizerUrl = $"http://127.0.0.1:{FreePort.Next()}";
        var workerUrl = $"http://127.0.0.1:{FreePort.Next()}";
        var schedulerUrl = $"http://127.0.0.1:{FreePort.Next()}";
        var cluster = new LocalCluster(httpPort, FreePort.Next());
        var model = Path.GetFullPath(modelDirectory);
        try
        {
            cluster.Add("tokenizer", binaries.Tokenizer, log, new()
            {
                ["ASPNETCORE_URLS"] = tokenizerUrl,
                ["Tokenizer__ModelPath"] = model,
            });
            var worker = new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = workerUrl,
                ["Worker__ModelPath"] = model,
            };
            if (kvCacheMiB is { } mib) worker["Worker__KvCacheMiB"] = mib.ToString(System.Globalization.CultureInfo.InvariantCulture);
            cluster.Add("npu-worker", binaries.Worker, log, worker);
            cluster.Add("scheduler", binaries.Scheduler, log, new()
            {
                ["ASPNETCORE_URLS"] = schedulerUrl,
                ["Scheduler__TokenizerAddress"] = tokenizerUrl,
                ["Scheduler__WorkerAddresses__0"] = workerUrl,
            });
            cluster.Add("openai-gateway", binaries.Gateway, log, new()
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}",
                ["Gateway__SchedulerAddress"] = schedulerUrl,
                ["Gateway__TokenizerAddress"] = tokenizerUrl,
                ["Gateway__GrpcPort"] = cluster.GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            return cluster;
        }
        catch
        {
            cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>Polls the gateway's /health (which checks the scheduler, which checks its worker) until it answers 200.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            if (_services.FirstOrDefault(s => s.HasExited) is { } dead)
                throw new InvalidOperationException($"the {dead.Name} service exited with code {dead.ExitCode} during start-up (its log is above)");
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{HttpPort}/health", deadline.Token);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!deadline.IsCancellationRequested) { }

            try
            {
                await Task.Delay(250, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"the services were not ready within {timeout.TotalSeconds:F0} s");
            }
        }
    }

    /// <summary>The served model name, as /v1/models reports it.</summary>
    public async Task<string> ModelNameAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var models = await http.GetFromJsonAsync<JsonElement>($"{ApiBase}/models", cancellationToken);
        return models.GetProperty("data")[0].GetProperty("id").GetString() ?? "";
    }

    public async ValueTask DisposeAsync()
    {
        // Stop in reverse start order: the front door first, the tokenizer last.
        for (var i = _services.Count - 1; i >= 0; i--) await _services[i].DisposeAsync();
        _services.Clear();
    }

    private void Add(string name, string executable, TextWriter log, Dictionary<string, string> environment) =>
        _services.Add(ServiceProcess.Start(name, executable, environment, log));
}
