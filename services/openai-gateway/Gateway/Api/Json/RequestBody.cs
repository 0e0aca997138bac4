using System.Text.Json;
using Gateway.Api.Errors;
using Microsoft.Net.Http.Headers;

namespace Gateway.Api.Json;

/// <summary>
/// Reads a request body as one JSON object of valid Unicode text, refusing anything else with the status vLLM gives:
/// 415 for a content type other than <c>application/json</c>, 400 for a body that is not such an object.
/// </summary>
public static class RequestBody
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
            return new RequestFields(root);
        }
    }

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
