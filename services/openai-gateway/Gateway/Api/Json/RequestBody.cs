using System.Text.Json;
using Gateway.Api.Errors;

namespace Gateway.Api.Json;

/// <summary>Reads a request body as one JSON object, refusing anything else with a 400 that says why.</summary>
public static class RequestBody
{
    private static readonly JsonDocumentOptions _options = new() { MaxDepth = 128 };

    public static async Task<RequestFields> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
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

            return new RequestFields(root);
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
