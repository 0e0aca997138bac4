using Inference.Hub.Tests.Fakes;

namespace Inference.Hub.Tests;

public sealed class DownloadTests
{
    [Fact]
    public async Task Resolve_EmptyCache_ReturnsTheNewSnapshot()
    {
        await using var context = await HubTestContext.StartAsync();

        var resolved = await context.ResolveAsync(FakeHub.RepoId);

        Assert.Equal(new ResolvedModel(context.SnapshotDirectory, FakeHub.RepoId, FakeHub.Commit, FakeHub.RepoId), resolved);
        Assert.Equal(context.Hub.Files["model.safetensors"], File.ReadAllBytes(Path.Combine(resolved.Directory, "model.safetensors")));
    }

    [Fact]
    public async Task Resolve_EmptyCache_LinksSnapshotFilesToBlobsNamedByEtag()
    {
        await using var context = await HubTestContext.StartAsync();

        await context.ResolveAsync(FakeHub.RepoId);

        var weights = new FileInfo(Path.Combine(context.SnapshotDirectory, "model.safetensors"));
        Assert.Equal($"../../blobs/{FakeHub.Sha256(context.Hub.Files["model.safetensors"])}", weights.LinkTarget);
        var config = new FileInfo(Path.Combine(context.SnapshotDirectory, "config.json"));
        Assert.Equal($"../../blobs/{FakeHub.GitBlobId(context.Hub.Files["config.json"])}", config.LinkTarget);
    }

    [Fact]
    public async Task Resolve_EmptyCache_WritesTheRefOfTheRevision()
    {
        await using var context = await HubTestContext.StartAsync();

        await context.ResolveAsync(FakeHub.RepoId + "@v1.0");

        Assert.Equal(FakeHub.Commit, File.ReadAllText(Path.Combine(context.RepoDirectory, "refs", "v1.0")));
    }

    [Fact]
    public async Task Resolve_EmptyCache_FetchesOnlyWhatServingNeeds()
    {
        await using var context = await HubTestContext.StartAsync();

        await context.ResolveAsync(FakeHub.RepoId);

        Assert.Equal(["config.json", "model.safetensors", "tokenizer.json"],
            Directory.GetFileSystemEntries(context.SnapshotDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(0, context.Hub.DownloadsOf("pytorch_model.bin") + context.Hub.DownloadsOf("README.md"));
    }

    [Fact]
    public async Task Resolve_EmptyCache_ReportsProgressUpToEveryNeededByte()
    {
        await using var context = await HubTestContext.StartAsync();
        var progress = new RecordingProgress();

        await context.ResolveAsync(FakeHub.RepoId, progress: progress);

        var needed = new[] { "config.json", "tokenizer.json", "model.safetensors" }.Sum(f => (long)context.Hub.Files[f].Length);
        Assert.True(progress.Reports.Count > 3, $"only {progress.Reports.Count} reports");
        Assert.All(progress.Reports, r => Assert.Equal(needed, r.BytesTotal));
        Assert.Equal(1.0, progress.Reports[^1].Fraction);
    }

    [Fact]
    public async Task Resolve_SecondTime_DownloadsNothing()
    {
        await using var context = await HubTestContext.StartAsync();
        await context.ResolveAsync(FakeHub.RepoId);
        var requests = context.Hub.Requests.Count;

        await context.ResolveAsync(FakeHub.RepoId);

        Assert.Equal(requests, context.Hub.Requests.Count);
    }

    [Fact]
    public async Task Resolve_AtCommit_FetchesThatCommitAndWritesNoRef()
    {
        await using var context = await HubTestContext.StartAsync();

        var resolved = await context.ResolveAsync($"{FakeHub.RepoId}@{FakeHub.Commit}");

        Assert.Equal(context.SnapshotDirectory, resolved.Directory);
        Assert.Contains(context.Hub.Requests, r => r.Path == $"/api/models/{FakeHub.RepoId}/revision/{FakeHub.Commit}");
        Assert.False(Directory.Exists(Path.Combine(context.RepoDirectory, "refs")));
    }

    [Fact]
    public async Task Resolve_WithToken_SendsItAsBearer()
    {
        await using var context = await HubTestContext.StartAsync();

        await context.ResolveAsync(FakeHub.RepoId, context.Options(token: "hf_secret"));

        Assert.All(context.Hub.Requests.Where(r => !r.Path.StartsWith("/lfs-storage/", StringComparison.Ordinal)),
            r => Assert.Equal("Bearer hf_secret", r.Authorization));
    }
}
