using Inference.Hub.Tests.Fakes;

namespace Inference.Hub.Tests;

public sealed class OfflineTests
{
    [Fact]
    public async Task Resolve_OfflineAndNotCached_ThrowsSayingSoWithoutAnyRequest()
    {
        await using var context = await HubTestContext.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => context.ResolveAsync(FakeHub.RepoId, context.Options(offline: true)));

        Assert.Contains("Org/Tiny@main is not in the Hugging Face cache", error.Message);
        Assert.Contains("HF_HUB_OFFLINE is set", error.Message);
        Assert.Empty(context.Hub.Requests);
    }
}
