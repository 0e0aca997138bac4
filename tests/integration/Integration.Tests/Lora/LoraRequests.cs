using System.Net.Http.Json;
using System.Text.Json;

namespace Integration.Tests.Lora;

/// <summary>The LoRA tests' one prompt, sent through the API and through offline `generate`, for comparing the two.</summary>
public static class LoraRequests
{
    // Longer than two KV blocks, so the prefix cache holds full blocks of it that a request could wrongly reuse.
    public const string Prompt = "The adapter decides what the model says next, and the base model decides what it says without one; "
        + "both read the same prompt, but each computes its own keys and values for it, so neither may reuse the other's cached blocks.";
    public const int MaxTokens = 12;
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(1);

    public static HttpClient Http(ServedSystem system) =>
        new() { BaseAddress = new Uri($"http://127.0.0.1:{system.HttpPort}"), Timeout = RequestTimeout };

    /// <summary>A greedy /v1/completions of <see cref="Prompt"/> under <paramref name="model"/> (the served model or an adapter).</summary>
    public static async Task<(string Model, string Text, int[] Ids)> CompleteAsync(HttpClient http, string model)
    {
        using var response = await http.PostAsJsonAsync("/v1/completions", new
        {
            model, prompt = Prompt, max_tokens = MaxTokens, temperature = 0, ignore_eos = true, return_token_ids = true,
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        var choice = json.RootElement.GetProperty("choices")[0];
        return (json.RootElement.GetProperty("model").GetString()!, choice.GetProperty("text").GetString()!,
            [.. choice.GetProperty("token_ids").EnumerateArray().Select(t => t.GetInt32())]);
    }

    /// <summary>Offline `generate` on the system's model: <see cref="Prompt"/> greedily unless <paramref name="args"/>
    /// give a --prompt of their own.</summary>
    public static async Task<(string Text, int[] Ids)> OfflineAsync(ServedSystem system, params string[] args)
    {
        string[] defaults = args.Contains("--prompt") ? [] : ["--prompt", Prompt, "--max-tokens", MaxTokens.ToString(), "--ignore-eos"];
        var run = await CliProgram.RunAsync(TimeSpan.FromMinutes(2), ["generate", "--model", system.ModelDirectory, .. defaults, .. args]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout.Trim());
        return (json.RootElement.GetProperty("text").GetString()!, [.. json.RootElement.GetProperty("token_ids").EnumerateArray().Select(t => t.GetInt32())]);
    }
}
