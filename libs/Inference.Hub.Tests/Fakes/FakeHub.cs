using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inference.Hub.Tests.Fakes;

/// <summary>
/// A stand-in for huggingface.co on 127.0.0.1 with the hub's URL shapes and headers: the model API with
/// <c>?blobs=true</c>, <c>/resolve/</c> answering git files directly (ETag = git blob hash) and redirecting LFS
/// files (X-Linked-Etag, X-Linked-Size) to a storage path that honours Range. It records every request.
/// </summary>
public sealed class FakeHub : IAsyncDisposable
{
    public const string RepoId = "Org/Tiny";
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private readonly WebApplication _app;
    private readonly Dictionary<string, int> _corruptions = [];

    private FakeHub(WebApplication app) => _app = app;

    /// <summary>The repository's files at <see cref="Commit"/>; *.safetensors and *.bin are LFS files.</summary>
    public Dictionary<string, byte[]> Files { get; } = new()
    {
        ["config.json"] = Encoding.UTF8.GetBytes("""{"model_type":"qwen2","hidden_size":8}"""),
        ["tokenizer.json"] = Encoding.UTF8.GetBytes("""{"model":{"type":"BPE"}}"""),
        ["README.md"] = Encoding.UTF8.GetBytes("# tiny"),
        ["model.safetensors"] = RandomBytes(3 * 1024 * 1024 + 17, seed: 1),
        ["pytorch_model.bin"] = RandomBytes(4096, seed: 2),
    };

    /// <summary>Branches and tags, each naming a commit.</summary>
    public Dictionary<string, string> Refs { get; } = new() { ["main"] = Commit, ["v1.0"] = Commit };

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>When set, every request is answered with this status.</summary>
    public HttpStatusCode? ForcedStatus { get; set; }

    public Uri Endpoint { get; private set; } = null!;

    public static async Task<FakeHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var hub = new FakeHub(app);
        hub.Map();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        hub.Endpoint = new Uri(address);
        return hub;
    }

    public static bool IsLfs(string path) => path.EndsWith(".safetensors", StringComparison.Ordinal) || path.EndsWith(".bin", StringComparison.Ordinal);

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static string GitBlobId(byte[] content) =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.ASCII.GetBytes($"blob {content.Length}\0").Concat(content).ToArray()));

    /// <summary>The next <paramref name="times"/> downloads of the file serve damaged bytes.</summary>
    public void Corrupt(string path, int times)
    {
        lock (_corruptions) _corruptions[path] = times;
    }

    public int DownloadsOf(string path) => Requests.Count(r => r.Path.EndsWith("/resolve/" + Commit + "/" + path, StringComparison.Ordinal));

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private void Map()
    {
        _app.Use(async (context, next) =>
        {
            var request = context.Request;
            Requests.Enqueue(new RecordedRequest(request.Path.Value ?? "", request.QueryString.Value ?? "",
                request.Headers.Authorization.ToString(), request.Headers.Range.ToString()));
            if (ForcedStatus is { } status)
            {
                context.Response.StatusCode = (int)status;
                await context.Response.WriteAsJsonAsync(new { error = "forced" });
                return;
            }
            await next(context);
        });
        _app.MapGet("/api/models/{org}/{name}/revision/{revision}", (string org, string name, string revision) =>
            $"{org}/{name}" == RepoId && ToCommit(revision) is { } commit
                ? Results.Json(new { id = RepoId, sha = commit, siblings = Files.Select(f => Sibling(f.Key, f.Value)) })
                : Results.Json(new { error = "Repository not found" }, statusCode: 404));
        _app.MapGet("/{org}/{name}/resolve/{revision}/{**path}", (HttpContext context, string org, string name, string revision, string path) =>
        {
            if ($"{org}/{name}" != RepoId || ToCommit(revision) is not { } commit || !Files.TryGetValue(path, out var content))
                return Results.NotFound();
            context.Response.Headers["X-Repo-Commit"] = commit;
            if (!IsLfs(path))
            {
                context.Response.Headers.ETag = $"\"{GitBlobId(content)}\"";
                return Results.Bytes(Served(path, content), "application/octet-stream");
            }
            context.Response.Headers["X-Linked-Etag"] = $"\"{Sha256(content)}\"";
            context.Response.Headers["X-Linked-Size"] = content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Redirect($"/lfs-storage/{Sha256(content)}?file={Uri.EscapeDataString(path)}");
        });
        _app.MapGet("/lfs-storage/{sha}", (string sha, string file) =>
            Files.TryGetValue(file, out var content) && Sha256(content) == sha
                ? Results.Bytes(Served(file, content), "application/octet-stream", enableRangeProcessing: true)
                : Results.NotFound());
    }

    private string? ToCommit(string revision) => revision == Commit ? Commit : Refs.GetValueOrDefault(revision);

    private byte[] Served(string path, byte[] content)
    {
        lock (_corruptions)
        {
            if (_corruptions.GetValueOrDefault(path) <= 0) return content;
            _corruptions[path]--;
        }
        var damaged = (byte[])content.Clone();
        damaged[damaged.Length / 2] ^= 0xFF;
        return damaged;
    }

    private static object Sibling(string path, byte[] content) => IsLfs(path)
        ? (object)new { rfilename = path, size = (long)content.Length, blobId = GitBlobId(content), lfs = new { sha256 = Sha256(content), size = (long)content.Length, pointerSize = 134 } }
        : new { rfilename = path, size = (long)content.Length, blobId = GitBlobId(content), lfs = (object?)null };

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

public sealed record RecordedRequest(string Path, string Query, string Authorization, string Range);
