using Gateway.Api.Errors;
using Gateway.Api.Json;

namespace Gateway.Api.Sampling;

/// <summary>The <c>stream</c> and <c>stream_options</c> fields.</summary>
/// <param name="Stream">Answer with server-sent events.</param>
/// <param name="IncludeUsage">Send a last chunk with usage and no choices.</param>
/// <param name="ContinuousUsage">vLLM's continuous_usage_stats: every chunk also carries its choice's usage so far.</param>
public sealed record StreamSettings(bool Stream, bool IncludeUsage, bool ContinuousUsage = false)
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

        var includeUsage = options?.Bool("include_usage") ?? false;
        var continuousUsage = options?.Bool("continuous_usage_stats") ?? false;
        if (continuousUsage && !includeUsage)
        {
            // vLLM sends usage per chunk only when usage is asked for at all; say so rather than send none.
            throw ApiException.BadRequest("stream_options.continuous_usage_stats needs stream_options.include_usage to be true.", "stream_options");
        }

        return new StreamSettings(stream, includeUsage, continuousUsage);
    }
}
