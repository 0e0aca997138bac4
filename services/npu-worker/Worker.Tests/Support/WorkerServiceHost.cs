using Inference.Testing.Logging;
using Grpc.Net.Client;
using Inference.Contracts.Worker.V1;
using Inference.Testing.Checkpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Worker.Service;
using WorkerClient = Inference.Contracts.Worker.V1.Worker.WorkerClient;

namespace Worker.Tests.Support;

/// <summary>The real Worker.Service app on a loopback port with a small random model, ready, with a gRPC client.</summary>
internal sealed class WorkerServiceHost : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const string HostingCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>The random model the app serves (write a LoRA adapter for it with its Decoder dims).</summary>
    public static readonly RandomModelSpec Model = new(32, 48, 2, 4, 2, true, 0.08, 5, VocabSize: 1000);

    private readonly TemporaryDirectory _dir;

    private WorkerServiceHost(TemporaryDirectory dir, WebApplication app)
    {
        _dir = dir;
        App = app;
        Channel = GrpcChannel.ForAddress(app.Urls.First());
        Client = new WorkerClient(Channel);
    }

    public WebApplication App { get; }
    public GrpcChannel Channel { get; }
    public WorkerClient Client { get; }

    /// <summary>
    /// Starts the app and waits until Health reports ready. A logs provider sees every log from the start at Warning
    /// and above, and hosting's "Request starting/finished" (see <see cref="IsRequestFinished"/>).
    /// </summary>
    public static async Task<WorkerServiceHost> StartAsync(CapturingLoggerProvider? logs = null, params string[] extraArgs)
    {
        var dir = new TemporaryDirectory();
        RandomCheckpointWriter.Write(dir.Path, Model);
        var app = WorkerApp.Create(
        [
            "--urls", "http://127.0.0.1:0",
            $"--Worker:ModelPath={dir.Path}",
            "--Worker:NumBlocks=16",
            "--Worker:Threads=1",
            "--Worker:ServedModelName=test-model",
            // A rule for the capturing provider alone (it beats the app's "Microsoft" filter), so the console stays quiet.
            $"--Logging:{typeof(CapturingLoggerProvider).FullName}:LogLevel:{HostingCategory}=Information",
            .. extraArgs,
        ]);
        if (logs is not null)
        {
            // Added before StartAsync, so the model loader's and every request's logs reach it.
            app.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        }

        await app.StartAsync().WaitAsync(Timeout);
        var host = new WorkerServiceHost(dir, app);
        using var cts = new CancellationTokenSource(Timeout);
        while (!(await host.Client.HealthAsync(new HealthRequest(), cancellationToken: cts.Token)).Ready)
        {
            await Task.Delay(50, cts.Token);
        }

        return host;
    }

    public static DateTime Deadline() => DateTime.UtcNow.Add(Timeout);

    /// <summary>Hosting's "Request starting" log for a call to the method.</summary>
    public static bool IsRequestStarting(CapturedLog log, string method) => IsHostingEvent(log, 1, method);

    /// <summary>Hosting's "Request finished" log, which comes after the gRPC handler and gRPC's own error logging ended.</summary>
    public static bool IsRequestFinished(CapturedLog log, string method) => IsHostingEvent(log, 2, method);

    private static bool IsHostingEvent(CapturedLog log, int eventId, string method) =>
        log.Category == HostingCategory && log.EventId == eventId && log.Message.Contains(method, StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync().WaitAsync(Timeout);
        await App.DisposeAsync();
        _dir.Dispose();
    }
}
