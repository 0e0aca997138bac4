using System.Net;
using Inference.Hub.Tests.Fakes;

namespace Inference.Hub.Tests;

public sealed class HubErrorTests
{
    [Fact]
    public async Task Resolve_HubAnswers401_ThrowsNamingTheRepoAndTheToken()
    {
        await using var context = await HubTestContext.StartAsync();
        context.Hub.ForcedStatus = HttpStatusCode.Unauthorized;

        var error = await Assert.ThrowsAsync<HubException>(() => context.ResolveAsync(FakeHub.RepoId));

        Assert.Contains("refused Org/Tiny@main (401 Unauthorized)", error.Message);
        Assert.Contains("set HF_TOKEN", error.Message);
    }

    [Fact]
    public async Task Resolve_UnknownRepo_ThrowsNamingItAsNotFound()
    {
        await using var context = await HubTestContext.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => context.ResolveAsync("Org/Missing"));

        Assert.Contains("has no Org/Missing@main (404 Not Found)", error.Message);
    }

    [Fact]
    public async Task Resolve_UnknownRevision_ThrowsNamingIt()
    {
        await using var context = await HubTestContext.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => context.ResolveAsync("Org/Tiny@nope"));

        Assert.Contains("Org/Tiny@nope (404 Not Found)", error.Message);
    }
}
