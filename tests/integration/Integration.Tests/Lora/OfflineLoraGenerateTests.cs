using System.Text.Json;

namespace Integration.Tests.Lora;

/// <summary>`make-lora` and `generate --lora` as a user runs them on the tiny random model.</summary>
public sealed class OfflineLoraGenerateTests : IAsyncLifetime
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offline-lora-" + Guid.NewGuid().ToString("N"));

    private string Model => Path.Combine(_root, "tiny");
    private string Adapter => Path.Combine(_root, "tiny-lora");

    public async Task InitializeAsync()
    {
        var make = await CliProgram.RunAsync(CommandTimeout, "make-model", "--out", Model, "--preset", "tiny", "--seed", "0");
        Assert.True(make.ExitCode == 0, make.Stderr);
        var lora = await CliProgram.RunAsync(CommandTimeout, "make-lora", "--model", Model, "--out", Adapter, "--rank", "8", "--alpha", "16", "--seed", "3");
        Assert.True(lora.ExitCode == 0, lora.Stderr);
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Generate_WithLora_ChangesThePromptLogits()
    {
        string[] args = ["generate", "--model", Model, "--prompt-ids", "1,2,3,4,5", "--max-tokens", "4", "--prompt-logits", "5"];
        var baseRun = await CliProgram.RunAsync(CommandTimeout, args);
        var loraRun = await CliProgram.RunAsync(CommandTimeout, [.. args, "--lora", Adapter]);

        Assert.True(baseRun.ExitCode == 0, baseRun.Stderr);
        Assert.True(loraRun.ExitCode == 0, loraRun.Stderr);
        var baseTop = TopLogit(baseRun.Stdout);
        var loraTop = TopLogit(loraRun.Stdout);
        Assert.True(Math.Abs(baseTop - loraTop) > 1e-2, $"the adapter left the top prompt logit at {loraTop} (base {baseTop})");
    }

    [Fact]
    public async Task MakeLora_WithAnUnsupportedTarget_FailsWithUsageError()
    {
        var run = await CliProgram.RunAsync(CommandTimeout, "make-lora", "--model", Model, "--out", Path.Combine(_root, "bad"), "--targets", "lm_head");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--targets", run.Stderr);
    }

    private static double TopLogit(string stdout)
    {
        using var line = JsonDocument.Parse(stdout.Trim());
        return line.RootElement.GetProperty("prompt_top_logits")[0].GetProperty("logit").GetDouble();
    }
}
