using System.Text;
using System.Text.Json;

namespace Gateway.Tests.Hosting;

/// <summary>Status, raw body and media type of an answer; <see cref="Json"/> parses the body.</summary>
public sealed record HttpAnswer(int Status, string Text, string? MediaType)
{
    public JsonElement Json => JsonDocument.Parse(Text).RootElement;

    /// <summary>The OpenAI error envelope's <c>error</c> object.</summary>
    public JsonElement Error => Json.GetProperty("error");

    /// <summary>The envelope's <c>param</c>, or null.</summary>
    public string? ErrorParam => Error.GetProperty("param").GetString();

    /// <summary>The <c>data:</c> payloads of an SSE answer, in order, <c>[DONE]</c> included.</summary>
    public IReadOnlyList<string> SseEvents =>
        Text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.StartsWith("data: ", StringComparison.Ordinal) ? e["data: ".Length..] : throw new FormatException(e))
            .ToArray();

    /// <summary>The named events of a Responses API stream (<c>event: name</c>, then <c>data: {json}</c>), in order.</summary>
    public IReadOnlyList<(string Name, JsonElement Data)> SseNamedEvents =>
        Text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('\n', 2) is [var name, var data] && name.StartsWith("event: ", StringComparison.Ordinal) && data.StartsWith("data: ", StringComparison.Ordinal)
                ? (name["event: ".Length..], JsonDocument.Parse(data["data: ".Length..]).RootElement)
                : throw new FormatException(e))
            .ToArray();

    /// <summary>The SSE events before <c>[DONE]</c>, parsed.</summary>
    public IReadOnlyList<JsonElement> SseChunks =>
        SseEvents.Where(e => e != "[DONE]").Select(e => JsonDocument.Parse(e).RootElement).ToArray();
}

/// <summary>Posts raw JSON (so tests can send malformed bodies too) with a bounded wait.</summary>
public static class HttpJson
{
    public static async Task<HttpAnswer> PostJsonAsync(this HttpClient http, string path, string json)
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content, cts.Token);
        return await ReadAsync(response, cts.Token);
    }

    /// <summary>Posts raw bytes (invalid UTF-8 included) with the given content type, or none.</summary>
    public static async Task<HttpAnswer> PostBytesAsync(this HttpClient http, string path, byte[] body, string? contentType)
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var response = await http.PostAsync(path, content, cts.Token);
        return await ReadAsync(response, cts.Token);
    }

    /// <summary>Sends a request as built, with a bounded wait.</summary>
    public static async Task<HttpAnswer> SendAnswerAsync(this HttpClient http, HttpRequestMessage request)
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var response = await http.SendAsync(request, cts.Token);
        return await ReadAsync(response, cts.Token);
    }

    public static async Task<HttpAnswer> GetAnswerAsync(this HttpClient http, string path)
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var response = await http.GetAsync(path, cts.Token);
        return await ReadAsync(response, cts.Token);
    }

    private static async Task<HttpAnswer> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        new((int)response.StatusCode,
            await response.Content.ReadAsStringAsync(cancellationToken),
            response.Content.Headers.ContentType?.MediaType);
}
