namespace Gateway.Configuration;

/// <summary>
/// Cross-origin access for browser clients, bound from <c>Gateway:Cors</c> (vLLM's <c>--allowed-origins</c>,
/// <c>--allowed-methods</c>, <c>--allowed-headers</c>, <c>--allow-credentials</c>). Off by default: with no origins,
/// no CORS headers are sent and browsers keep other origins out.
/// </summary>
public sealed class GatewayCorsOptions
{
    /// <summary>
    /// Origins allowed to call the API, for example <c>https://app.example.com</c>, or <c>*</c> for any.
    /// Default: none, CORS off.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>Methods a cross-origin request may use, or <c>*</c>. Default: null, any method.</summary>
    public string[]? AllowedMethods { get; set; }

    /// <summary>Request headers a cross-origin request may send, or <c>*</c>. Default: null, any header.</summary>
    public string[]? AllowedHeaders { get; set; }

    /// <summary>
    /// Let browsers send cookies and HTTP authentication cross-origin. The CORS protocol forbids it together with the
    /// <c>*</c> origin, so the gateway refuses to start with both. Default: false.
    /// </summary>
    public bool AllowCredentials { get; set; }

    public bool Enabled => AllowedOrigins.Length > 0;
}
