using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inference.Cli.Serving;

namespace Inference.Cli.Benchmarks;

/// <summary>
/// Our engine end to end: `serve`'s local cluster (tokenizer, one npu-worker, scheduler, gateway as processes) and
/// <c>concurrency</c> streaming /v1/completions requests at once, each a token-id prompt with ignore_eos and greedy
/// sampling, read as SSE by an HttpClient. The figure is their steady decode rate (<see cref="StreamTimeline"/>).
/// </summary>
public sealed class ServeBench(string modelDirectory, int vocabSize, int threads, Action<string> progress)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(10);

    /// <returns>Tokens per second of all streams together.</returns>
    /// <exception cref="InvalidOperationException">A service failed to start or a request failed (the services' last log lines are in the message).</exception>
    public async Task<double> MeasureAsync(BenchShape shape, CancellationToken cancellationToken)
    {
        var log = new TailWriter(40);
        var options = new ServeOptions(modelDirectory, FreePort.Next(), Workers: 1, ThreadsPerWorker: threads);
        progress("starting tokenizer, npu-worker, scheduler and gateway");
        await using var cluster = LocalCluster.Start(options, "bench", ServiceBinaries.FromBuild(), log, (_, _, _) => { }, cancellationToken);
        try
        {
            await cluster.WaitUntilReadyAsync(StartTimeout, cancellationToken);
            using var http = new HttpClient { Timeout = RequestTimeout };
            string model = await cluster.ModelNameAsync(cancellationToken);
            progress($"warm-up: {shape.ConcurrentSequences} short streams");
            await RunStreamsAsync(http, cluster.ApiBase, model, BenchPrompts.For(shape.ConcurrentSequences, Math.Min(shape.PromptTokens, 32), vocabSize), 4,
                () => { }, cancellationToken);
            double best = 0;
            for (int round = 0; round < shape.Repeat; round++)
            {
                progress($"{shape.ConcurrentSequences} concurrent streams: {shape.PromptTokens}-token prompts, {shape.DecodeSteps + 1} tokens each");
                var prompts = BenchPrompts.For(shape.ConcurrentSequences, shape.PromptTokens, vocabSize);
                Task<ServeSample>? steady = null;
                var streams = await RunStreamsAsync(http, cluster.ApiBase, model, prompts, shape.DecodeSteps + 1,
                    () => steady = ServeSample.CaptureAsync(http, cluster.ProcessIds, cluster.SchedulerUrl, cancellationToken), cancellationToken);
                var end = await ServeSample.CaptureAsync(http, cluster.ProcessIds, cluster.SchedulerUrl, cancellationToken);
                double rate = StreamTimeline.SteadyDecodeRate(streams);
                progress(FormattableString.Invariant($"  {rate:F1} tok/s; from all streams decoding to the end: {ServeRoundProfile.Describe(await steady!, end)}"));
                best = Math.Max(best, rate);
            }

            return best;
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or InvalidOperationException or JsonException or TaskCanceledException
            && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"end-to-end run failed: {e.Message}\n{log}", e);
        }
    }

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
