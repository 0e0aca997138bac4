using System.Globalization;
using System.Text.Json.Nodes;
using Gateway.Api.Errors;

namespace Gateway.Api.Responses;

/// <summary>
/// One page of items with ids, as OpenAI pages a response's input items and a conversation's items: order desc
/// (newest first) or asc, limit 1 to 100 (default 20), after an item id; the list object with first_id, last_id and
/// has_more.
/// </summary>
public static class ItemListPage
{
    public const int DefaultLimit = 20;

    /// <summary>
    /// The page of <paramref name="items"/> (oldest first) the query asks for; <paramref name="owner"/> names what
    /// they belong to in the 400 for an unknown <c>after</c> ("response 'resp-...'").
    /// </summary>
    /// <remarks>
    /// <paramref name="limit"/> is the query's text, read here: bound as an integer by the framework, a value such as
    /// <c>limit=abc</c> would be a bare "Bad Request." naming no parameter.
    /// </remarks>
    public static JsonObject Build(IReadOnlyList<JsonObject> items, string? order, string? limit, string? after, string owner)
    {
        if (order is not (null or "asc" or "desc"))
        {
            throw ApiException.BadRequest($"order must be asc or desc, got \"{order}\".", "order");
        }

        var count = DefaultLimit;
        if (limit is not null
            && (!int.TryParse(limit, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out count) || count is < 1 or > 100))
        {
            throw ApiException.BadRequest($"limit must be an integer in [1, 100], got \"{limit}\".", "limit");
        }

        var ordered = items.ToList();
        if (order != "asc")
        {
            ordered.Reverse();
        }

        if (after is not null)
        {
            var at = ordered.FindIndex(i => (string?)i["id"] == after);
            if (at < 0)
            {
                throw ApiException.BadRequest($"after names no item of {owner}: \"{after}\".", "after");
            }

            ordered = ordered[(at + 1)..];
        }

        var page = ordered.Take(count).Select(i => (JsonNode)i.DeepClone()).ToArray();
        return new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(page),
            ["first_id"] = page.Length > 0 ? (string?)page[0]["id"] : null,
            ["last_id"] = page.Length > 0 ? (string?)page[^1]["id"] : null,
            ["has_more"] = ordered.Count > page.Length,
        };
    }
}
