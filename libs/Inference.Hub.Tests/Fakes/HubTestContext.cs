using System.Text;

namespace Inference.Hub.Tests.Fakes;

/// <summary>A fake hub, an empty cache folder and a locator pointed at both; disposing removes them.</summary>
public sealed class HubTestContext : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http = new();

    private HubTestContext(FakeHub hub, string cache)
    {
        Hub = hub;
        CacheDirectory = cache;
    }

    public FakeHub Hub { get; }

    public string CacheDirectory { get; }

    public string RepoDirectory => Path.Combine(CacheDirectory, "models--Org--Tiny");

    public string SnapshotDirectory => Path.Combine(RepoDirectory, "snapshots", FakeHub.Commit);

    public string BlobPath(string file) => Path.Combine(RepoDirectory, "blobs", FakeHub.Sha256(Hub.Files[file]));

    public HubOptions Options(bool offline = false, string? token = null) => new()
    {
        Endpoint = Hub.Endpoint,
        CacheDirectory = CacheDirectory,
        Offline = offline,
        Token = token,
    };

    public static async Task<HubTestContext> StartAsync()
    {
        var cache = Path.Combine(Path.GetTempPath(), "hub-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(cache);
        return new HubTestContext(await FakeHub.StartAsync().WaitAsync(Timeout), cache);
    }

    public Task<ResolvedModel> ResolveAsync(string model, HubOptions? options = null, IProgress<DownloadProgress>? progress = null) =>
        new ModelLocator(options ?? Options(), _http).ResolveAsync(model, progress, CancellationToken.None).WaitAsync(Timeout);

    /// <summary>A snapshot laid out by hand, as another tool would have left it: plain files and refs/main.</summary>
    public void WriteCachedSnapshot()
    {
        Directory.CreateDirectory(SnapshotDirectory);
        File.WriteAllBytes(Path.Combine(SnapshotDirectory, "config.json"), Hub.Files["config.json"]);
        File.WriteAllBytes(Path.Combine(SnapshotDirectory, "model.safetensors"), Hub.Files["model.safetensors"]);
        Directory.CreateDirectory(Path.Combine(RepoDirectory, "refs"));
        File.WriteAllText(Path.Combine(RepoDirectory, "refs", "main"), FakeHub.Commit, Encoding.ASCII);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Hub.DisposeAsync().AsTask().WaitAsync(Timeout);
        Directory.Delete(CacheDirectory, recursive: true);
    }
}
