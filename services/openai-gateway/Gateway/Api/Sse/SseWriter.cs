using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Gateway.Api.Json;

namespace Gateway.Api.Sse;

/// <summary>
/// Server-sent events the way OpenAI streams: <c>data: {json}\n\n</c> per chunk, then <c>data: [DONE]\n\n</c>
/// (completions and chat); the Responses API's named events, <c>event: {type}\ndata: {json}\n\n</c>, with no end marker.
/// </summary>
public sealed class SseWriter(HttpResponse response) : INamedEventWriter
{
    public const string ContentType = "text/event-stream";

    private static readonly byte[] _dataPrefix = "data: "u8.ToArray();
    private static readonly byte[] _eventPrefix = "event: "u8.ToArray();
    private static readonly byte[] _lineEnd = "\n"u8.ToArray();
    private static readonly byte[] _eventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] _done = "data: [DONE]\n\n"u8.ToArray();
    private static readonly JsonWriterOptions _writerOptions = new() { Encoder = ApiJson.Options.Encoder };

    /// <summary>Sends the headers now, so the client sees the stream open before the first token.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync(cancellationToken);
    }

    public async Task WriteAsync<T>(T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        var body = response.BodyWriter;
        body.Write(_dataPrefix);
        using (var json = new Utf8JsonWriter(body, _writerOptions))
        {
            JsonSerializer.Serialize(json, value, typeInfo);
        }

        body.Write(_eventEnd);
        await body.FlushAsync(cancellationToken);
    }

    /// <summary>One named event (the Responses API's: the name is the event's type).</summary>
    public async Task WriteEventAsync(string name, JsonNode data, CancellationToken cancellationToken)
    {
        WriteEvent(response.BodyWriter, name, data);
        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    /// <summary>One named event as the bytes <see cref="WriteEventAsync"/> sends, for a log that sends it later, to any number of clients.</summary>
    public static byte[] EventFrame(string name, JsonNode data)
    {
        var frame = new ArrayBufferWriter<byte>();
        WriteEvent(frame, name, data);
        return frame.WrittenSpan.ToArray();
    }

    /// <summary>Events framed by <see cref="EventFrame"/>, sent with one flush.</summary>
    public async Task WriteFramesAsync(IReadOnlyList<byte[]> frames, CancellationToken cancellationToken)
    {
        foreach (var frame in frames)
        {
            response.BodyWriter.Write(frame);
        }

        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    public async Task WriteDoneAsync(CancellationToken cancellationToken)
    {
        response.BodyWriter.Write(_done);
        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    private static void WriteEvent(IBufferWriter<byte> body, string name, JsonNode data)
    {
        body.Write(_eventPrefix);
        body.Write(Encoding.UTF8.GetBytes(name));
        body.Write(_lineEnd);
        body.Write(_dataPrefix);
        using (var json = new Utf8JsonWriter(body, _writerOptions))
        {
            data.WriteTo(json);
        }

        body.Write(_eventEnd);
    }
}
