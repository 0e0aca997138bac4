using System.Globalization;
using Grpc.Net.Client;
using Inference.Contracts.Scheduler.V1;
using Integration.Tests.Support;

namespace Integration.Tests.Fleet;

/// <summary>
/// A served system (see <see cref="ServedSystem"/>) with what the fleet tests ask of it: run a set of completions
/// together, read /metrics, and wait until the scheduler's GetStatus (through the gRPC front door) shows every
/// worker serving.
/// </summary>
public class FleetSystem : ServedSystem
{
    protected FleetSystem(IReadOnlyDictionary<string, string> environment, params string[] arguments) : base(environment, arguments) { }

    /// <summary>A client for the HTTP API; each call bounds itself with a cancellation token.</summary>
    public HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"), Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>
    /// Starts every call at once and waits for all answers. When each has its first token (or has ended),
    /// <paramref name="whenAllStreaming"/> runs while they go on.
    /// </summary>
    public async Task<CompletionAnswer[]> RunTogetherAsync(IReadOnlyList<CompletionCall> calls, TimeSpan timeout, Func<Task>? whenAllStreaming = null)
    {
        using var http = Http();
        using var cts = new CancellationTokenSource(timeout);
        var firstTokens = calls.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var answers = calls.Select((call, i) => RunOneAsync(http, call, firstTokens[i], cts.Token)).ToArray();
        try
        {
            if (whenAllStreaming is not null)
            {
                await Task.WhenAll(firstTokens.Select(t => t.Task)).WaitAsync(cts.Token);
                await whenAllStreaming().WaitAsync(cts.Token);
            }
            return await Task.WhenAll(answers).WaitAsync(cts.Token);
        }
        catch
        {
            await cts.CancelAsync(); // No request outlives the call.
            throw;
        }
    }

    public async Task<string> MetricsAsync(TimeSpan timeout)
    {
        using var http = Http();
        using var cts = new CancellationTokenSource(timeout);
        return await PrometheusText.ScrapeAsync(http, cts.Token);
    }

    public async Task<GetStatusResponse> StatusAsync(TimeSpan timeout)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}");
        return await new Generation.GenerationClient(channel).GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow + timeout);
    }

    /// <summary>Waits until GetStatus shows every worker serving (and <paramref name="also"/> holds); returns that status.</summary>
    public async Task<GetStatusResponse> WaitUntilServingAsync(TimeSpan timeout, Func<GetStatusResponse, bool>? also = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var workers = WorkerPids.Count;
        while (true)
        {
            GetStatusResponse? status = null;
            try
            {
                status = await StatusAsync(TimeSpan.FromSeconds(10));
            }
            catch (Grpc.Core.RpcException) when (DateTime.UtcNow < deadline) { }
            if (status is not null && status.Ready && status.Workers.Count == workers && status.Workers.All(w => w.State == WorkerState.Ready) && (also?.Invoke(status) ?? true))
                return status;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the workers were not all serving within {timeout}: {status}\n{Log}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// The worker holding the most requests, caught mid-generation: every worker is SIGSTOPped first, so none can
    /// finish its requests while the status is read, then every other worker is continued and the busiest is left
    /// stopped for the caller (to kill, or to leave stalled). Read without the freeze, the status could come back after
    /// the burst had ended on a fast model, and the test would stop an idle worker. Fails when no worker holds a
    /// request, as then nothing could be tested.
    /// </summary>
    public async Task<(WorkerStatus Worker, int Pid)> StopBusiestWorkerAsync()
    {
        var pids = WorkerPids.Values.ToArray();
        foreach (var pid in pids) Signals.Send(pid, Signals.Stop);
        WorkerStatus busiest;
        try
        {
            busiest = (await StatusAsync(TimeSpan.FromSeconds(10))).Workers.MaxBy(w => w.NumRunning + w.NumWaiting)!;
        }
        catch
        {
            foreach (var pid in pids) Signals.Send(pid, Signals.Continue);
            throw;
        }

        int stopped = WorkerPids[IndexOf(busiest.WorkerId)];
        foreach (var pid in pids.Where(p => p != stopped)) Signals.Send(pid, Signals.Continue);
        if (busiest.NumRunning + busiest.NumWaiting == 0)
        {
            Signals.Send(stopped, Signals.Continue);
            Assert.Fail($"no worker held a request once every stream had its first token: {busiest}");
        }

        return (busiest, stopped);
    }

    /// <summary>serve's index of a worker the scheduler calls "worker-N" (the scheduler numbers its configured
    /// addresses in serve's order).</summary>
    public static int IndexOf(string workerId) => int.Parse(workerId["worker-".Length..], CultureInfo.InvariantCulture);

    private static async Task<CompletionAnswer> RunOneAsync(HttpClient http, CompletionCall call, TaskCompletionSource firstToken, CancellationToken cancellationToken)
    {
        try
        {
            return await StreamedCompletion.RunAsync(http, call, cancellationToken, () => firstToken.TrySetResult());
        }
        finally
        {
            firstToken.TrySetResult();
        }
    }
}

/// <summary>`serve --workers 2` with default settings, shared by the fleet tests that leave it whole; it also keeps
/// the reference answers (<see cref="AloneAnswersAsync"/>).</summary>
public sealed class TwoWorkerFleet : FleetSystem
{
    private readonly SemaphoreSlim _referenceLock = new(1, 1);
    private CompletionAnswer[]? _alone;

    public TwoWorkerFleet() : base(new Dictionary<string, string>(), "--workers", "2") { }

    /// <summary>Each call of <see cref="FleetWorkload"/> sent alone, one after the other (computed once).</summary>
    public async Task<IReadOnlyList<CompletionAnswer>> AloneAnswersAsync()
    {
        if (!await _referenceLock.WaitAsync(TimeSpan.FromMinutes(3))) throw new TimeoutException("the reference answers took over 3 minutes");
        try
        {
            if (_alone is null)
            {
                var alone = new List<CompletionAnswer>();
                foreach (var call in FleetWorkload.Calls) alone.AddRange(await RunTogetherAsync([call], TimeSpan.FromMinutes(1)));
                Assert.All(alone, a => Assert.True(a.Status == System.Net.HttpStatusCode.OK && a.Error is null, $"a reference request failed: {a.Status} {a.Error}"));
                _alone = [.. alone];
            }
            return _alone;
        }
        finally
        {
            _referenceLock.Release();
        }
    }
}

/// <summary>The fleet tests run one at a time (each loads the machine with many requests), next to one shared
/// two-worker system.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FleetCollection : ICollectionFixture<TwoWorkerFleet>
{
    public const string Name = "Fleet";
}
