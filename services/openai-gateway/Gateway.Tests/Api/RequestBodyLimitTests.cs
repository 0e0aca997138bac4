using System.Text;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

/// <summary>A gateway whose request bodies may hold at most 2,000 bytes (ASP.NET Core's <c>Kestrel:Limits:MaxRequestBodySize</c>).</summary>
public sealed class SmallBodyGatewayHost : GatewayHost
{
    protected override IEnumerable<string> ExtraArgs => ["--Kestrel:Limits:MaxRequestBodySize", "2000"];
}

/// <summary>
/// A body over Kestrel's limit (30,000,000 bytes unless <c>Kestrel__Limits__MaxRequestBodySize</c> says otherwise) is a
/// 413 in the OpenAI error envelope; the setting moves the limit.
/// </summary>
public sealed class RequestBodyLimitTests(GatewayHost host, SmallBodyGatewayHost small) : IClassFixture<GatewayHost>, IClassFixture<SmallBodyGatewayHost>
{
    private static string CompletionOf(int bytes) => $$"""{"prompt": "{{new string('a', bytes - 14)}}"}""";

    [Fact]
    public async Task KestrelLimitsMaxRequestBodySize_MovesTheLimit()
    {
        var over = await small.Http.PostJsonAsync("/v1/completions", CompletionOf(3000));
        var under = await small.Http.PostJsonAsync("/v1/completions", CompletionOf(1500));
        var elsewhere = await host.Http.PostJsonAsync("/v1/completions", CompletionOf(3000));

        Assert.Equal(413, over.Status);
        Assert.Equal("BadRequestError", over.Error.GetProperty("type").GetString());
        Assert.Equal(200, under.Status);
        Assert.Equal(200, elsewhere.Status);
        Assert.Equal(3000, Encoding.UTF8.GetByteCount(CompletionOf(3000)));
    }
}
