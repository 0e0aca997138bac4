using Gateway.Tests.Hosting;

namespace Gateway.Tests.Security;

/// <summary>A gateway with CORS on for one origin, and an API key (a preflight carries none).</summary>
public sealed class CorsGatewayHost : GatewayHost
{
    public const string Origin = "https://app.example.com";

    protected override IEnumerable<string> ExtraArgs =>
    [
        "--Gateway:Cors:AllowedOrigins:0", Origin,
        "--Gateway:Cors:AllowedHeaders:0", "authorization",
        "--Gateway:Cors:AllowedHeaders:1", "content-type",
        "--Gateway:ApiKey", SecuredGatewayHost.ApiKey,
    ];
}

public sealed class CorsTests(CorsGatewayHost host) : IClassFixture<CorsGatewayHost>
{
    [Fact]
    public async Task Preflight_FromAnAllowedOrigin_IsAnsweredWithTheCorsHeaders()
    {
        using var response = await PreflightAsync(host.Http, CorsGatewayHost.Origin);

        Assert.Equal(204, (int)response.StatusCode);
        Assert.Equal(CorsGatewayHost.Origin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Header(response, "Access-Control-Allow-Methods"));
        Assert.Contains("authorization", Header(response, "Access-Control-Allow-Headers"));
    }

    [Fact]
    public async Task Preflight_FromAnotherOrigin_GetsNoAllowOrigin()
    {
        using var response = await PreflightAsync(host.Http, "https://evil.example.com");

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Call_FromAnAllowedOrigin_StillNeedsTheKeyAndCarriesAllowOrigin()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Add("Origin", CorsGatewayHost.Origin);

        using var response = await host.Http.SendAsync(request, cts.Token);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal(CorsGatewayHost.Origin, Header(response, "Access-Control-Allow-Origin"));
    }

    internal static async Task<HttpResponseMessage> PreflightAsync(HttpClient http, string origin)
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Options, "/v1/chat/completions");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return await http.SendAsync(request, cts.Token);
    }

    internal static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}

public sealed class CorsOffTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Preflight_WithCorsOff_GetsNoCorsHeadersAnd405InTheEnvelope()
    {
        using var response = await CorsTests.PreflightAsync(host.Http, CorsGatewayHost.Origin);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(405, (int)response.StatusCode);
        Assert.Null(CorsTests.Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("\"code\":405", body);
    }
}
