using System.Text.Json;
using Integration.Tests.Support;

namespace Integration.Tests.Architectures;

/// <summary>The system serving a tiny random Qwen3MoeForCausalLM checkpoint (`make-model --arch qwen3_moe`: 8 experts, 2 per token).</summary>
public sealed class Qwen3MoeServedSystem() : ServedSystem()
{
    protected override IReadOnlyList<string> MakeModelArguments => ["--arch", "qwen3_moe", "--preset", "tiny", "--seed", "3"];
}

/// <summary>
/// A mixture-of-experts checkpoint served end to end: several prompts in one completions request (batched into the
/// same steps, so the experts run over tokens of different sequences at once) each complete greedily as offline
/// `generate` completes it.
/// </summary>
public sealed class MixtureOfExpertsServingTests(Qwen3MoeServedSystem system) : IClassFixture<Qwen3MoeServedSystem>
{
    private static readonly int[][] Prompts = [[9707, 11, 1879, 0], [785, 3974, 13876], [40, 1079, 264, 2244, 13, 576, 1052]];

    [Fact]
    public async Task BatchedPrompts_EachEqualOfflineGenerate()
    {
        var run = await CliProgram.RunAsync(TimeSpan.FromMinutes(2),
        [
            "generate", "--model", system.ModelDirectory, "--max-tokens", "10", "--ignore-eos",
            .. Prompts.SelectMany(p => new[] { "--prompt-ids", string.Join(',', p) }),
        ]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var offline = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .OrderBy(o => o.GetProperty("index").GetInt32())
            .Select(o => o.GetProperty("text").GetString())
            .ToArray();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{system.HttpPort}"), Timeout = TimeSpan.FromMinutes(1) };

        var served = await ApiCalls.PostAsync(http, "/v1/completions",
            new { model = system.ModelName, prompt = Prompts, max_tokens = 10, temperature = 0, ignore_eos = true });

        var texts = served.GetProperty("choices").EnumerateArray()
            .OrderBy(c => c.GetProperty("index").GetInt32())
            .Select(c => c.GetProperty("text").GetString())
            .ToArray();
        Assert.Equal(Prompts.Length, offline.Length);
        Assert.Equal(offline, texts);
    }
}
