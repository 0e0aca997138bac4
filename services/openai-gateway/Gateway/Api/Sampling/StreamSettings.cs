using Gateway.Api.Json;

namespace Gateway.Api.Sampling;

/// <summary>The <c>stream</c> and <c>stream_options</c> fields.</summary>
/// <param name="Stream">Answer with server-sent events.</param>
/// <param name="IncludeUsage">Send a last chunk with usage and no choices.</param>
public sealed record StreamSettings(bool Stream, bool IncludeUsage)
{
    public static StreamSettings Read(RequestFields fields)
    {
        var stream = fields.Bool("stream") ?? false;
        var includeUsage = fields.Object("stream_options")?.Bool("include_usage") ?? false;
        return new StreamSettings(stream, stream && includeUsage);
    }
}
