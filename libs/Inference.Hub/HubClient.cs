using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Inference.Hub;

/// <summary>
/// The two hub requests a download needs: the revision's file list
/// (<c>GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true</c>) and a file's bytes
/// (<c>GET {endpoint}/{repo}/resolve/{commit}/{file}</c>, which redirects LFS files to their storage).
/// Every request carries the token as a bearer credential; .NET drops it on redirects to another host.
/// </summary>
public sealed class HubClient(HttpClient http, HubOptions options)
{
    public async Task<RepoRevision> GetRevisionAsync(RepoReference repo, CancellationToken cancellationToken)
    {
        var url = $"{Base}/api/models/{repo.RepoId}/revision/{Uri.EscapeDataString(repo.Revision)}?blobs=true";
        using var response = await SendAsync(repo, url, rangeFrom: 0, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        try
        {
            using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            var root = json.RootElement;
            var commit = root.GetProperty("sha").GetString() ?? "";
            if (!RepoReference.IsCommitHash(commit))
                throw new HubException($"the hub's answer for {repo} has no commit hash in 'sha' (got '{commit}')");
            var files = root.TryGetProperty("siblings", out var siblings)
                ? siblings.EnumerateArray().Select(ReadFile).ToList()
                : [];
            return new RepoRevision(commit, files);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new HubException($"the hub's answer for {repo} is not the model API's JSON: {e.Message}", e);
        }
    }

    /// <summary>
    /// Asks for a file from byte <paramref name="rangeFrom"/> on (an HTTP Range request when above 0). The caller
    /// reads the body; a 206 answer continues where it left off, a 200 starts over.
    /// </summary>
    public Task<HttpResponseMessage> GetFileAsync(RepoReference repo, string commit, string path, long rangeFrom, CancellationToken cancellationToken)
    {
        var file = string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        return SendAsync(repo, $"{Base}/{repo.RepoId}/resolve/{commit}/{file}", rangeFrom, cancellationToken);
    }

    private string Base => options.Endpoint.ToString().TrimEnd('/');

    private async Task<HttpResponseMessage> SendAsync(RepoReference repo, string url, long rangeFrom, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (options.Token is { } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (rangeFrom > 0) request.Headers.Range = new RangeHeaderValue(rangeFrom, null);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new HubException($"cannot reach the hub at {Base} for {repo.RepoId}: {e.Message} (HF_ENDPOINT sets the address)", e);
        }
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable) return response;
        var status = response.StatusCode;
        response.Dispose();
        throw status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new HubException(
                $"the hub at {Base} refused {repo} ({(int)status} {status}): the repository is gated, private or missing; " +
                (options.Token is null ? "set HF_TOKEN to a token that has access" : "the HF_TOKEN given has no access to it")),
            HttpStatusCode.NotFound => new HubException(
                $"the hub at {Base} has no {repo} (404 Not Found): check the repository id and the revision after '@'"),
            _ => new HubException($"the hub at {Base} answered {(int)status} {status} for {url} ({repo})"),
        };
    }

    private static RepoFile ReadFile(JsonElement sibling)
    {
        var path = sibling.GetProperty("rfilename").GetString() ?? throw new JsonException("a sibling has no rfilename");
        long? size = sibling.TryGetProperty("size", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : null;
        var blobId = sibling.TryGetProperty("blobId", out var b) ? b.GetString() : null;
        string? sha256 = null;
        if (sibling.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object)
        {
            sha256 = lfs.GetProperty("sha256").GetString();
            if (lfs.TryGetProperty("size", out var lfsSize) && lfsSize.ValueKind == JsonValueKind.Number) size = lfsSize.GetInt64();
        }
        return new RepoFile(path, size, blobId, sha256);
    }
}
