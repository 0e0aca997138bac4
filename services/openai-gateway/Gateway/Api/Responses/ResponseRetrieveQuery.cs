using System.Globalization;
using Gateway.Api.Errors;

namespace Gateway.Api.Responses;

/// <summary>
/// <c>GET /v1/responses/{id}</c>'s query, as OpenAI's: <c>stream=true</c> streams the response's events again (one
/// created with background and stream), <c>starting_after</c> the sequence_number of the last event the client has,
/// so only those after it come. Other parameters (<c>include</c>, <c>include_obfuscation</c>) change nothing here.
/// </summary>
/// <param name="Stream">stream=true: answer with the response's events.</param>
/// <param name="StartingAfter">Send the events after this sequence_number; null: all of them.</param>
public sealed record ResponseRetrieveQuery(bool Stream, int? StartingAfter)
{
    private const string StreamParam = "stream";
    private const string StartingAfterParam = "starting_after";

    public static ResponseRetrieveQuery Read(IQueryCollection query)
    {
        var stream = query[StreamParam].ToString() switch
        {
            "" => false,
            var value when value.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
            var value when value.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
            var value => throw ApiException.BadRequest($"stream must be true or false, got '{value}'.", StreamParam),
        };

        if (!query.ContainsKey(StartingAfterParam))
        {
            return new ResponseRetrieveQuery(stream, null);
        }

        var startingAfter = query[StartingAfterParam].ToString();
        if (!int.TryParse(startingAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var after))
        {
            throw ApiException.BadRequest(
                $"starting_after must be a non-negative integer, the sequence_number of the last event received; got '{startingAfter}'.", StartingAfterParam);
        }

        return stream
            ? new ResponseRetrieveQuery(stream, after)
            : throw ApiException.BadRequest("starting_after only applies to a stream: set stream=true as well.", StartingAfterParam);
    }
}
