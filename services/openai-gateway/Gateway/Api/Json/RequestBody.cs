using System.Text.Json;
using Gateway.Api.Errors;
using Microsoft.Net.Http.Headers;

namespace Gateway.Api.Json;

/// <summary>
/// Reads a request body as one JSON object of valid Unicode text, refusing anything else with the status vLLM gives:
/// 415 for a content type other than <c>application/json</c>, 400 for a body that is not such an object. The fields
/// an endpoint then finds it has no use for are logged as a warning, as vLLM logs them.
/// </summary>
public static partial class RequestBody
{
    public const string JsonMediaType = "application/json";

    private static readonly JsonDocumentOptions _options = new() { MaxDepth = 128 };

    public static async Task<RequestFields> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        RequireJsonContentType(request);
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, _options, cancellationToken);
        }
        catch (JsonException exception)
        {
            throw ApiException.BadRequest($"Malformed JSON body: {exception.Message}");
        }

        // The document is small and lives as long as the request; cloning frees the pooled buffers now.
        using (document)
        {
            var root = document.RootElement.Clone();
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw ApiException.BadRequest($"The request body must be a JSON object, got {Describe(root.ValueKind)}.");
            }

            WellFormedText.Require(root);
            var logger = request.HttpContext.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(typeof(RequestBody).FullName!);
            var path = request.Path.Value ?? "";
            return new RequestFields(root, logger is null ? null : ignored => LogIgnoredFields(logger, path, ListForLog(ignored)));
        }
    }

    /// <summary>At most this many ignored names go into one warning.</summary>
    private const int MaxLoggedNames = 16;

    /// <summary>
    /// The names as JSON strings (a client's name cannot forge a log line, an empty one shows), each once, the first
    /// <see cref="MaxLoggedNames"/> of them, cut to 64 characters: a body of many long names logs a bounded line.
    /// </summary>
    internal static string ListForLog(IReadOnlyList<string> names)
    {
        var distinct = names.Distinct(StringComparer.Ordinal).ToArray();
        var shown = distinct.Take(MaxLoggedNames).Select(name => JsonSerializer.Serialize(name.Length > 64 ? name[..64] + "..." : name));
        var list = string.Join(", ", shown);
        return distinct.Length > MaxLoggedNames ? $"{list} and {distinct.Length - MaxLoggedNames} more" : list;
    }

    /// <summary>vLLM's warning for the fields an endpoint does not have: accepted, without effect, and said so.</summary>
    [LoggerMessage(Level = LogLevel.Warning, Message = "The following fields were present in the request to {Path} but ignored: {Fields}")]
    private static partial void LogIgnoredFields(ILogger logger, string path, string fields);

    /// <summary>As vLLM: the media type must be exactly application/json (any charset), else 415.</summary>
    private static void RequireJsonContentType(HttpRequest request)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value : null;
        if (!string.Equals(mediaType, JsonMediaType, StringComparison.OrdinalIgnoreCase))
        {
            var got = request.ContentType is { Length: > 0 } contentType ? $"got '{contentType}'" : "got none";
            throw ApiException.UnsupportedMediaType(
                $"Unsupported Media Type: only '{JsonMediaType}' is allowed as the request's Content-Type, {got}.");
        }
    }

    internal static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
