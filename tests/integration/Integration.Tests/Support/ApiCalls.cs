using System.Net.Http.Json;
using System.Text.Json;

namespace Integration.Tests.Support;

/// <summary>The plain HTTP calls the end-to-end tests make to the gateway: a JSON POST that must succeed, and /tokenize.</summary>
public static class ApiCalls
{
    /// <summary>POSTs <paramref name="body"/> as JSON to <paramref name="path"/>; the answer must be a success (the
    /// assertion shows its body otherwise), and its JSON is returned.</summary>
    public static async Task<JsonElement> PostAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The ids /tokenize gives <paramref name="text"/> (as a completions prompt: the tokenizer's special tokens
    /// added unless <paramref name="addSpecialTokens"/> is false).</summary>
    public static async Task<int[]> TokenizeAsync(HttpClient http, string text, bool addSpecialTokens = true)
    {
        var body = await PostAsync(http, "/tokenize", new { prompt = text, add_special_tokens = addSpecialTokens });
        return [.. body.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32())];
    }
}
