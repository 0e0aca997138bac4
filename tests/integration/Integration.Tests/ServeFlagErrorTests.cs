namespace Integration.Tests;

/// <summary>`serve` refuses a flag value it cannot honour before starting anything, naming the flag (exit code 2).</summary>
public sealed class ServeFlagErrorTests
{
    [Theory]
    [InlineData("--tool-call-parser", "mistral", "--tool-call-parser: only hermes")]
    [InlineData("--host", "example.com", "--host must be an IP address")]
    [InlineData("--chat-template", "/no/such/template.jinja", "--chat-template: '/no/such/template.jinja' is neither a file nor a Jinja template")]
    [InlineData("--api-key", " ", "--api-key must not be empty")]
    [InlineData("--tensor-parallel-size", "2", "--tensor-parallel-size: each npu-worker runs the whole model on one device")]
    [InlineData("--gpu-memory-utilization", "0.9", "--kv-cache-mib")]
    public async Task AValueItCannotHonour_FailsNamingTheFlag(string flag, string value, string message)
    {
        var run = await CliProgram.RunAsync(TimeSpan.FromMinutes(1), "serve", "--model", "/nonexistent-model", flag, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Stderr);
    }
}
