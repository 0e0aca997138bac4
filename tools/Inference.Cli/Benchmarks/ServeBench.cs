using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inference.Cli.Serving;

namespace Inference.Cli.Benchmarks;

/// <summary>
/// Our engine end to end: `serve`'s local cluster (tokenizer, one npu-worker, scheduler, gateway as processes) and
/// <c>concurrency</c> streaming /v1/completions requests at once, each a token-id prompt with ignore_eos and greedy
/// sampling, read as SSE by an HttpClient. A round's figure is their steady decode rate (<see cref="StreamTimeline"/>).
/// The cluster stays up between rounds, so `bench` can run an in-process round of the engine between them.
/// </summary>
public sealed class ServeBench : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long untimed rounds run before the first timed one, so the timed rounds meet the services as a running
    /// server does (connections open, buffers grown) and as warm as the in-process rounds they are set against. When
    /// the services still compiled in tiers, one warm-up round left their tiered-compilation threads 15% of both cores
    /// for the next 20 s; they now compile each method once, optimized (Directory.Build.props).
    /// </summary>
    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(20);

    private readonly LocalCluster _cluster;
    private readonly TailWriter _log;
    private readonly HttpClient _http;
    private readonly string _model;
    private readonly int _vocabSize;
    private readonly BenchShape _shape;
    private readonly Action<string> _progress;

    private ServeBench(LocalCluster cluster, TailWriter log, HttpClient http, string model, int vocabSize, BenchShape shape, Action<string> progress)
    {
        _cluster = cluster;
        _log = log;
        _http = http;
        _model = model;
        _vocabSize = vocabSize;
        _shape = shape;
        _progress = progress;
    }

    /// <summary>Starts the cluster and runs untimed rounds of streams for <see cref="WarmUpTime"/> (at least one).</summary>
    /// <exception cref="InvalidOperationException">A service failed to start or a request failed (the services' last log lines are in the message).</exception>
    public static async Task<ServeBench> StartAsync(string modelDirectory, int vocabSize, int threads, BenchShape shape, Action<string> progress,
        CancellationToken cancellationToken)
    {
        var log = new TailWriter(40);
        var options = new ServeOptions(modelDirectory, HttpPort: 0, Workers: 1, ThreadsPerWorker: threads);
        progress("starting tokenizer, npu-worker, scheduler and gateway");
        LocalCluster cluster;
        try
        {
            cluster = await LocalCluster.StartAsync(options, "bench", ServiceBinaries.FromBuild(), log, (_, _, _) => { }, cancellationToken);
        }
        catch (Exception e) when (IsRunFailure(e, cancellationToken))
        {
            throw Failed(e, log);
        }
        var http = new HttpClient { Timeout = RequestTimeout };
        try
        {
            await cluster.WaitUntilReadyAsync(StartTimeout, cancellationToken);
            string model = await cluster.ModelNameAsync(cancellationToken);
            // Untimed rounds for WarmUpTime (see there).
            var warmUp = Stopwatch.StartNew();
            var prompts = BenchPrompts.For(shape.ConcurrentSequences, shape.PromptTokens, vocabSize);
            progress($"warm-up: untimed rounds of {shape.ConcurrentSequences} streams for {WarmUpTime.TotalSeconds:F0} s");
            int rounds = 0;
            while (rounds == 0 || warmUp.Elapsed < WarmUpTime)
            {
                await RunStreamsAsync(http, cluster.ApiBase, model, prompts, shape.DecodeSteps + 1, () => { }, cancellationToken);
                rounds++;
            }

            progress($"warm-up: {rounds} round(s) in {warmUp.Elapsed.TotalSeconds:F0} s");

            return new ServeBench(cluster, log, http, model, vocabSize, shape, progress);
        }
        catch (Exception e)
        {
            http.Dispose();
            await cluster.DisposeAsync();
            if (IsRunFailure(e, cancellationToken))
            {
                throw Failed(e, log);
            }

            throw;
        }
    }

    /// <summary>One timed round of concurrent streams.</summary>
    /// <returns>Tokens per second of all streams together.</returns>
    /// <exception cref="InvalidOperationException">A request failed (the services' last log lines are in the message).</exception>
    public async Task<double> RoundAsync(CancellationToken cancellationToken)
    {
        try
        {
            _progress($"{_shape.ConcurrentSequences} concurrent streams: {_shape.PromptTokens}-token prompts, {_shape.DecodeSteps + 1} tokens each");
            var prompts = BenchPrompts.For(_shape.ConcurrentSequences, _shape.PromptTokens, _vocabSize);
            Task<ServeSample>? steady = null;
            var streams = await RunStreamsAsync(_http, _cluster.ApiBase, _model, prompts, _shape.DecodeSteps + 1,
                () => steady = ServeSample.CaptureAsync(_http, _cluster.ProcessIds, _cluster.SchedulerUrl, cancellationToken), cancellationToken);
            var end = await ServeSample.CaptureAsync(_http, _cluster.ProcessIds, _cluster.SchedulerUrl, cancellationToken);
            double rate = StreamTimeline.SteadyDecodeRate(streams);
            _progress(FormattableString.Invariant($"  {rate:F1} tok/s; from all streams decoding to the end: {ServeRoundProfile.Describe(await steady!, end)}"));
            return rate;
        }
        catch (Exception e) when (IsRunFailure(e, cancellationToken))
        {
            throw Failed(e, _log);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _cluster.DisposeAsync();
    }

    private static bool IsRunFailure(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or TimeoutException or InvalidOperationException or JsonException or TaskCanceledException
        && !cancellationToken.IsCancellationRequested;

    private static InvalidOperationException Failed(Exception e, TailWriter log) => new($"end-to-end run failed: {e.Message}\n{log}", e);

    /// <param name="allDecoding">Called once, when every stream has its first text chunk.</param>
    private static async Task<StreamTimeline[]> RunStreamsAsync(HttpClient http, string apiBase, string model, int[][] prompts, int maxTokens,
        Action allDecoding, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        int waiting = prompts.Length;
        void FirstChunk()
        {
            if (Interlocked.Decrement(ref waiting) == 0)
            {
                allDecoding();
            }
        }

        return await Task.WhenAll(prompts.Select(prompt => StreamAsync(http, apiBase, model, prompt, maxTokens, clock, FirstChunk, cancellationToken)));
    }

    private static async Task<StreamTimeline> StreamAsync(HttpClient http, string apiBase, string model, int[] prompt, int maxTokens,
        Stopwatch clock, Action firstChunk, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["prompt"] = new JsonArray(prompt.Select(id => (JsonNode)id).ToArray()),
            ["max_tokens"] = maxTokens,
            ["temperature"] = 0,
            ["ignore_eos"] = true,
            ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{apiBase}/completions") { Content = JsonContent.Create(body) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /v1/completions answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        var chunks = new List<double>();
        int completionTokens = 0;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]")
            {
                continue;
            }

            using var chunk = JsonDocument.Parse(line.AsMemory(6));
            var root = chunk.RootElement;
            if (root.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0
                && choices[0].TryGetProperty("text", out var text) && text.GetString() is { Length: > 0 })
            {
                chunks.Add(clock.Elapsed.TotalSeconds);
                if (chunks.Count == 1)
                {
                    firstChunk();
                }
            }

            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                completionTokens = usage.GetProperty("completion_tokens").GetInt32();
            }
        }

        return new StreamTimeline(chunks, completionTokens);
    }
}
