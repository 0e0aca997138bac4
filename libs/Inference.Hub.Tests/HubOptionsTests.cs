namespace Inference.Hub.Tests;

public sealed class HubOptionsTests
{
    private static HubOptions From(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        map.TryAdd("HF_HOME", "/hf-home");
        return HubOptions.FromEnvironment(name => map.GetValueOrDefault(name));
    }

    [Fact]
    public void FromEnvironment_HubCacheSet_UsesIt() =>
        Assert.Equal("/elsewhere", From(("HF_HUB_CACHE", "/elsewhere")).CacheDirectory);

    [Fact]
    public void FromEnvironment_OnlyHfHome_UsesItsHubFolder() =>
        Assert.Equal(Path.Combine("/hf-home", "hub"), From().CacheDirectory);

    [Fact]
    public void FromEnvironment_Nothing_UsesTheDefaultEndpointAndNoToken()
    {
        var options = From();

        Assert.Equal(new Uri("https://huggingface.co"), options.Endpoint);
        Assert.Null(options.Token);
        Assert.False(options.Offline);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("true")]
    [InlineData("YES")]
    [InlineData("on")]
    public void FromEnvironment_OfflineTruthy_IsOffline(string value) =>
        Assert.True(From(("HF_HUB_OFFLINE", value)).Offline);

    [Fact]
    public void FromEnvironment_OfflineZero_IsOnline() =>
        Assert.False(From(("HF_HUB_OFFLINE", "0")).Offline);

    [Fact]
    public void FromEnvironment_EndpointAndToken_AreRead()
    {
        var options = From(("HF_ENDPOINT", "http://127.0.0.1:9/"), ("HF_TOKEN", "hf_x"));

        Assert.Equal(new Uri("http://127.0.0.1:9"), options.Endpoint);
        Assert.Equal("hf_x", options.Token);
    }

    [Fact]
    public void FromEnvironment_EndpointNotHttp_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<HubException>(() => From(("HF_ENDPOINT", "ftp://x")));

        Assert.Contains("HF_ENDPOINT must be an http(s) address, got 'ftp://x'", error.Message);
    }
}
