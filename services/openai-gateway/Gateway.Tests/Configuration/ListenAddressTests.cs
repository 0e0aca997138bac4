using Gateway.Hosting;

namespace Gateway.Tests.Configuration;

public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8000", "127.0.0.1", 8000)]
    [InlineData("http://*:8000", "0.0.0.0", 8000)]
    [InlineData("http://+:8001", "0.0.0.0", 8001)]
    [InlineData("http://localhost:5000/", "localhost", 5000)]
    public void Parse_CleartextUrl_KeepsHostAndPort(string url, string host, int port)
    {
        var address = ListenAddress.Parse(url);

        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
    }

    [Fact]
    public void Parse_Https_IsRefusedNamingUrls()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ListenAddress.Parse("https://127.0.0.1:8443"));

        Assert.StartsWith("urls:", error.Message);
    }

    [Fact]
    public void ParseList_Unset_IsAspNetCoresDefault()
    {
        Assert.Equal([ListenAddress.Default], ListenAddress.ParseList(null));
    }

    [Fact]
    public void ParseList_HttpPortsWhenUrlsIsUnset_BindsEveryInterface()
    {
        Assert.Equal(["http://0.0.0.0:8080", "http://0.0.0.0:8081"],
            ListenAddress.ParseList("", "8080;8081").Select(a => a.ToUrl()));
    }

    [Fact]
    public void ParseList_UrlsWinOverHttpPorts()
    {
        Assert.Equal(["http://127.0.0.1:9000"], ListenAddress.ParseList("http://127.0.0.1:9000", "8080").Select(a => a.ToUrl()));
    }
}
