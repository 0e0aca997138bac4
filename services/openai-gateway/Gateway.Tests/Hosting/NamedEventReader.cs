using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Gateway.Tests.Hosting;

/// <summary>
/// A Responses API event stream read as it arrives, one named event at a time, so a test can stop in the middle and
/// hang up (dispose). Every read is bounded by <see cref="GatewayHost.Timeout"/>.
/// </summary>
public sealed class NamedEventReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private readonly CancellationTokenSource _deadline = new(GatewayHost.Timeout);
    private readonly StringBuilder _text = new();

    private NamedEventReader(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public int Status => (int)_response.StatusCode;

    public MediaTypeHeaderValue? ContentType => _response.Content.Headers.ContentType;

    /// <summary>The stream's text read so far, exactly as it came.</summary>
    public string Text => _text.ToString();

    public static Task<NamedEventReader> PostAsync(HttpClient http, string path, string json) =>
        OpenAsync(http, new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") });

    public static Task<NamedEventReader> GetAsync(HttpClient http, string path) => OpenAsync(http, new HttpRequestMessage(HttpMethod.Get, path));

    /// <summary>The next event, or null when the stream has ended.</summary>
    public async Task<(string Name, JsonElement Data)?> ReadAsync()
    {
        var lines = new List<string>();
        while (await _reader.ReadLineAsync(_deadline.Token) is { } line)
        {
            _text.Append(line).Append('\n');
            if (line.Length == 0)
            {
                return lines is [var name, var data] && name.StartsWith("event: ", StringComparison.Ordinal) && data.StartsWith("data: ", StringComparison.Ordinal)
                    ? (name["event: ".Length..], JsonDocument.Parse(data["data: ".Length..]).RootElement)
                    : throw new FormatException(string.Join('\n', lines));
            }

            lines.Add(line);
        }

        return lines.Count == 0 ? null : throw new FormatException($"The stream ended inside an event: {string.Join('\n', lines)}");
    }

    /// <summary>Events up to and including the first that <paramref name="last"/> accepts.</summary>
    public async Task<List<(string Name, JsonElement Data)>> ReadThroughAsync(Func<(string Name, JsonElement Data), bool> last)
    {
        var events = new List<(string Name, JsonElement Data)>();
        while (await ReadAsync() is { } next)
        {
            events.Add(next);
            if (last(next))
            {
                return events;
            }
        }

        throw new InvalidOperationException($"The stream ended after {events.Count} events, none of them the one awaited.");
    }

    /// <summary>Every event left, until the stream ends.</summary>
    public async Task<List<(string Name, JsonElement Data)>> ReadToEndAsync()
    {
        var events = new List<(string Name, JsonElement Data)>();
        while (await ReadAsync() is { } next)
        {
            events.Add(next);
        }

        return events;
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        _deadline.Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task<NamedEventReader> OpenAsync(HttpClient http, HttpRequestMessage request)
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using (request)
        {
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var body = await response.Content.ReadAsStreamAsync(cts.Token);
            return new NamedEventReader(response, new StreamReader(body));
        }
    }
}
