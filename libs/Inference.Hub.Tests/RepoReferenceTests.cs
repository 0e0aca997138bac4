namespace Inference.Hub.Tests;

public sealed class RepoReferenceTests
{
    [Fact]
    public void TryParse_NoRevision_DefaultsToMain() =>
        Assert.Equal(new RepoReference("Qwen/Qwen2.5-0.5B-Instruct", "main"), RepoReference.TryParse("Qwen/Qwen2.5-0.5B-Instruct"));

    [Fact]
    public void TryParse_WithRevision_KeepsIt() =>
        Assert.Equal(new RepoReference("Org/Name", "v1.0"), RepoReference.TryParse("Org/Name@v1.0"));

    [Theory]
    [InlineData("name-only")]
    [InlineData("a/b/c")]
    [InlineData("../x")]
    [InlineData("Org/Name@")]
    public void TryParse_NotARepoId_ReturnsNull(string text) => Assert.Null(RepoReference.TryParse(text));

    [Fact]
    public void CacheFolderName_IsHuggingFaceHubs() =>
        Assert.Equal("models--Org--Name", new RepoReference("Org/Name", "main").CacheFolderName);
}
