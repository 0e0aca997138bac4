using System.Diagnostics;
using System.Net;

namespace Inference.Cli.Benchmarks;

/// <summary>
/// One moment of an end-to-end run: the CPU time each service process (and this one, the client) has used so far, and
/// the scheduler's step counters (steps, seconds inside the worker, seconds from sending a step to its result).
/// </summary>
public sealed record ServeSample(
    long Timestamp, IReadOnlyDictionary<string, TimeSpan> CpuByProcess, double Steps, double WorkerStepSeconds, double StepCallSeconds)
{
    public const string ClientName = "bench client";

    /// <param name="processIds">Service name to process id.</param>
    /// <param name="schedulerUrl">Where the scheduler serves <c>GET /metrics</c>.</param>
    public static async Task<ServeSample> CaptureAsync(HttpClient http, IReadOnlyDictionary<string, int> processIds, string schedulerUrl,
        CancellationToken cancellationToken)
    {
        // The scheduler serves gRPC over cleartext HTTP/2 only.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{schedulerUrl}/metrics")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var metrics = PrometheusSums.Parse(text);
        var cpu = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var (name, pid) in processIds)
        {
            if (CpuTime(pid) is { } time)
            {
                cpu[name] = time;
            }
        }

        cpu[ClientName] = Process.GetCurrentProcess().TotalProcessorTime;
        return new ServeSample(Stopwatch.GetTimestamp(), cpu, metrics.GetValueOrDefault("inference:steps_total"),
            metrics.GetValueOrDefault("inference:worker_step_seconds_total"), metrics.GetValueOrDefault("inference:step_call_seconds_total"));
    }

    /// <summary>User plus system time of a process; null once it has exited.</summary>
    private static TimeSpan? CpuTime(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.TotalProcessorTime;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}
