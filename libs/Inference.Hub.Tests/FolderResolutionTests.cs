using Inference.Hub.Tests.Fakes;

namespace Inference.Hub.Tests;

public sealed class FolderResolutionTests
{
    [Fact]
    public async Task Resolve_ExistingFolder_ReturnsItWithItsNameAndAsksNothing()
    {
        await using var context = await HubTestContext.StartAsync();
        var folder = Directory.CreateDirectory(Path.Combine(context.CacheDirectory, "my-model")).FullName;

        var resolved = await context.ResolveAsync(folder);

        Assert.Equal(new ResolvedModel(folder, null, null, "my-model"), resolved);
        Assert.Empty(context.Hub.Requests);
    }

    [Fact]
    public async Task Resolve_ExistingGgufFile_ReturnsItNamedWithoutItsExtensionAndAsksNothing()
    {
        await using var context = await HubTestContext.StartAsync();
        var file = Path.Combine(context.CacheDirectory, "my-model-q8_0.gguf");
        await File.WriteAllBytesAsync(file, [0]);

        var resolved = await context.ResolveAsync(file);

        Assert.Equal(new ResolvedModel(file, null, null, "my-model-q8_0"), resolved);
        Assert.Empty(context.Hub.Requests);
    }

    [Fact]
    public async Task Resolve_NeitherFolderNorRepoId_ThrowsNamingTheValue()
    {
        await using var context = await HubTestContext.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => context.ResolveAsync("/no/such/folder/x"));

        Assert.Contains("'/no/such/folder/x' is neither an existing folder or .gguf file nor a Hugging Face repository id", error.Message);
    }
}
