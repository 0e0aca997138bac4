using Inference.Hub.Tests.Fakes;

namespace Inference.Hub.Tests;

public sealed class DownloadRecoveryTests
{
    [Fact]
    public async Task Resolve_DownloadArrivesCorrupted_FetchesItAgain()
    {
        await using var context = await HubTestContext.StartAsync();
        context.Hub.Corrupt("model.safetensors", times: 1);

        await context.ResolveAsync(FakeHub.RepoId);

        Assert.Equal(2, context.Hub.DownloadsOf("model.safetensors"));
        Assert.Equal(context.Hub.Files["model.safetensors"], File.ReadAllBytes(context.BlobPath("model.safetensors")));
    }

    [Fact]
    public async Task Resolve_DownloadCorruptedTwice_ThrowsNamingTheFile()
    {
        await using var context = await HubTestContext.StartAsync();
        context.Hub.Corrupt("model.safetensors", times: 2);

        var error = await Assert.ThrowsAsync<HubException>(() => context.ResolveAsync(FakeHub.RepoId));

        Assert.Contains("model.safetensors of Org/Tiny@main failed its check after 2 downloads: sha256", error.Message);
    }

    [Fact]
    public async Task Resolve_CachedBlobWithWrongSha256_FetchesItAgain()
    {
        await using var context = await HubTestContext.StartAsync();
        var blob = context.BlobPath("model.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        var damaged = (byte[])context.Hub.Files["model.safetensors"].Clone();
        damaged[10] ^= 1;
        File.WriteAllBytes(blob, damaged);

        await context.ResolveAsync(FakeHub.RepoId);

        Assert.Equal(1, context.Hub.DownloadsOf("model.safetensors"));
        Assert.Equal(context.Hub.Files["model.safetensors"], File.ReadAllBytes(blob));
    }

    [Fact]
    public async Task Resolve_PartialIncompleteBlob_ResumesWithARangeRequest()
    {
        await using var context = await HubTestContext.StartAsync();
        var content = context.Hub.Files["model.safetensors"];
        var incomplete = context.BlobPath("model.safetensors") + ".incomplete";
        Directory.CreateDirectory(Path.GetDirectoryName(incomplete)!);
        File.WriteAllBytes(incomplete, content[..1_000_000]);

        await context.ResolveAsync(FakeHub.RepoId);

        Assert.Contains(context.Hub.Requests, r => r.Path.StartsWith("/lfs-storage/", StringComparison.Ordinal) && r.Range == "bytes=1000000-");
        Assert.Equal(content, File.ReadAllBytes(context.BlobPath("model.safetensors")));
        Assert.False(File.Exists(incomplete));
    }
}
