using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Xunit.Abstractions;

namespace Integration.Tests.Fleet;

/// <summary>`serve --max-concurrent-requests 4`: the scheduler admits four requests and refuses the rest at once.</summary>
public sealed class AdmissionFleet() : FleetSystem(new Dictionary<string, string>(), "--workers", "1", "--max-concurrent-requests", "4");

/// <summary>A burst of 40 slow completions against an admission bound of 4.</summary>
[Collection(FleetCollection.Name)]
public sealed class AdmissionTests(AdmissionFleet fleet, ITestOutputHelper output) : IClassFixture<AdmissionFleet>
{
    private const int Burst = 40;
    private const int MaxTokens = 200;
    private const long MemoryGrowthLimit = 300L << 20;
    private static readonly TimeSpan BurstTimeout = TimeSpan.FromMinutes(3);

    private sealed record Outcome(HttpStatusCode Status, TimeSpan? RetryAfter, int CompletionTokens, long FinishedTick);

    [Fact]
    public async Task BurstOfFortyOverABoundOfFour_AdmittedOnesComplete_TheRestGet429WithRetryAfterBeforeAnyFinishes()
    {
        await fleet.WaitUntilServingAsync(TimeSpan.FromMinutes(2));

        var outcomes = await SendBurstAsync();

        var admitted = outcomes.Where(o => o.Status == HttpStatusCode.OK).ToList();
        var refused = outcomes.Where(o => o.Status == HttpStatusCode.TooManyRequests).ToList();
        output.WriteLine($"{admitted.Count} admitted, {refused.Count} refused");
        Assert.Equal(Burst, admitted.Count + refused.Count);
        Assert.InRange(admitted.Count, 4, Burst - 1);
        Assert.All(admitted, o => Assert.Equal(MaxTokens, o.CompletionTokens));
        Assert.All(refused, o => Assert.NotNull(o.RetryAfter));
        // Refused at once rather than queued: every 429 came back while the first admitted request still ran.
        Assert.All(refused, o => Assert.True(o.FinishedTick < admitted.Min(a => a.FinishedTick), "a 429 came only after an admitted request finished"));
    }

    [Fact]
    public async Task BurstOfFortyOverABoundOfFour_LeavesTheServicesMemoryNearWhereItWas()
    {
        await fleet.WaitUntilServingAsync(TimeSpan.FromMinutes(2));
        var before = ProcessTree.DescendantsRssBytes(fleet.ServePid);

        await SendBurstAsync();

        var after = ProcessTree.DescendantsRssBytes(fleet.ServePid);
        output.WriteLine($"RSS of serve's children: {before >> 20} MiB before the burst, {after >> 20} MiB after ({(after - before) >> 20:+#;-#;0} MiB)");
        Assert.True(after - before < MemoryGrowthLimit, $"serve's children grew from {before >> 20} MiB to {after >> 20} MiB over one burst");
    }

    private async Task<Outcome[]> SendBurstAsync()
    {
        using var http = fleet.Http();
        using var cts = new CancellationTokenSource(BurstTimeout);
        return await Task.WhenAll(Enumerable.Range(0, Burst).Select(i => SendAsync(http, i, cts.Token)));
    }

    private static async Task<Outcome> SendAsync(HttpClient http, int i, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/v1/completions",
            new { prompt = $"Request {i} of the burst", max_tokens = MaxTokens, temperature = 0, ignore_eos = true }, cancellationToken);
        var tokens = 0;
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(cancellationToken);
            tokens = body.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        }
        else
        {
            await response.Content.ReadAsStringAsync(cancellationToken);
        }
        return new Outcome(response.StatusCode, response.Headers.RetryAfter?.Delta, tokens, Stopwatch.GetTimestamp());
    }
}
