using System.Text.Json;

namespace Integration.Tests;

/// <summary>`make-model` and `generate` as a user runs them, checked against the golden outputs.</summary>
public sealed class OfflineGenerateTests : IAsyncLifetime
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);
    private readonly string _model = Path.Combine(Path.GetTempPath(), "offline-model-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        var make = await CliProgram.RunAsync(CommandTimeout, "make-model", "--out", _model, "--preset", "tiny", "--seed", "0");
        Assert.True(make.ExitCode == 0, make.Stderr);
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_model)) Directory.Delete(_model, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Generate_OnTinySeed0_ReproducesEveryGoldenGreedyContinuation()
    {
        var golden = GoldenCases.Load();
        var args = new List<string> { "generate", "--model", _model, "--max-tokens", "16", "--ignore-eos", "--prompt-logits", "10" };
        foreach (var c in golden) args.AddRange(["--prompt-ids", string.Join(',', c.PromptIds)]);

        var run = await CliProgram.RunAsync(CommandTimeout, [.. args]);

        Assert.True(run.ExitCode == 0, run.Stderr);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(golden.Count, lines.Length);
        for (var i = 0; i < golden.Count; i++)
        {
            using var line = JsonDocument.Parse(lines[i]);
            var ids = line.RootElement.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(golden[i].Greedy, ids);
        }
    }

    [Fact]
    public async Task Generate_PromptLogits_MatchGoldenTop10WithinTolerance()
    {
        using var golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(CliProgram.RepositoryRoot, "fixtures", "golden-tiny-seed0.json")));
        var first = golden.RootElement.GetProperty("cases")[0];
        var promptIds = string.Join(',', first.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()));

        var run = await CliProgram.RunAsync(CommandTimeout, "generate", "--model", _model, "--prompt-ids", promptIds, "--max-tokens", "1", "--prompt-logits", "10");

        Assert.True(run.ExitCode == 0, run.Stderr);
        using var line = JsonDocument.Parse(run.Stdout.Trim());
        var actual = line.RootElement.GetProperty("prompt_top_logits").EnumerateArray().ToList();
        var expected = first.GetProperty("last_top10").EnumerateArray().ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (var k = 0; k < expected.Count; k++)
        {
            Assert.Equal(expected[k].GetProperty("id").GetInt32(), actual[k].GetProperty("id").GetInt32());
            Assert.InRange(actual[k].GetProperty("logit").GetDouble() - expected[k].GetProperty("logit").GetDouble(), -1e-3, 1e-3);
        }
    }

    [Fact]
    public async Task Generate_WithNegativeMaxTokens_FailsWithUsageError()
    {
        var run = await CliProgram.RunAsync(CommandTimeout, "generate", "--model", _model, "--prompt", "Hi", "--max-tokens", "-1");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--max-tokens", run.Stderr);
    }
}
