using System.Text.Json.Nodes;

namespace Gateway.Api.Sse;

/// <summary>
/// Where named server-sent events go (the Responses API's): straight to the client (<see cref="SseWriter"/>), or into
/// a log that clients read later, from any event on (<see cref="Responses.ResponseEventLog"/>).
/// </summary>
public interface INamedEventWriter
{
    Task WriteEventAsync(string name, JsonNode data, CancellationToken cancellationToken);
}
