using Gateway.Api.Errors;
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
        var options = fields.Object("stream_options");
        if (options is not null && !stream)
        {
            // As OpenAI and vLLM answer: options for a stream that is not asked for would have no effect.
            throw ApiException.BadRequest("stream_options can only be set when stream is true.", "stream_options");
        }

        return new StreamSettings(stream, options?.Bool("include_usage") ?? false);
    }
}
