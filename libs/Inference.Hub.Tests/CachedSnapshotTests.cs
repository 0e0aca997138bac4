using Inference.Hub.Tests.Fakes;

namespace Inference.Hub.Tests;

public sealed class CachedSnapshotTests
{
    [Fact]
    public async Task Resolve_CachedSnapshot_UsesItWithoutAnyRequest()
    {
        await using var context = await HubTestContext.StartAsync();
        context.WriteCachedSnapshot();

        var resolved = await context.ResolveAsync(FakeHub.RepoId);

        Assert.Equal(new ResolvedModel(context.SnapshotDirectory, FakeHub.RepoId, FakeHub.Commit, FakeHub.RepoId), resolved);
        Assert.Empty(context.Hub.Requests);
    }

    [Fact]
    public async Task Resolve_CachedCommitOffline_UsesTheSnapshotWithoutARef()
    {
        await using var context = await HubTestContext.StartAsync();
        context.WriteCachedSnapshot();
        File.Delete(Path.Combine(context.RepoDirectory, "refs", "main"));

        var resolved = await context.ResolveAsync($"{FakeHub.RepoId}@{FakeHub.Commit}", context.Options(offline: true));

        Assert.Equal(context.SnapshotDirectory, resolved.Directory);
        Assert.Empty(context.Hub.Requests);
    }

    [Fact]
    public async Task Resolve_SnapshotWhoseWeightLinkIsBroken_DownloadsAgain()
    {
        await using var context = await HubTestContext.StartAsync();
        await context.ResolveAsync(FakeHub.RepoId);
        File.Delete(context.BlobPath("model.safetensors"));

        await context.ResolveAsync(FakeHub.RepoId);

        Assert.Equal(2, context.Hub.DownloadsOf("model.safetensors"));
        Assert.Equal(context.Hub.Files["model.safetensors"], File.ReadAllBytes(Path.Combine(context.SnapshotDirectory, "model.safetensors")));
    }
}
