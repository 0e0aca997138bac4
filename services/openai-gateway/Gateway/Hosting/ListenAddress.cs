namespace Gateway.Hosting;

/// <summary>One cleartext address from <c>--urls</c>.</summary>
/// <param name="Host">The host as written: <c>localhost</c>, an IP address, or a wildcard.</param>
/// <param name="Port">The port; 0 asks the OS for a free one (not allowed with <c>localhost</c>).</param>
public sealed record ListenAddress(string Host, int Port)
{
    /// <summary>ASP.NET Core's default when no address is configured.</summary>
    public static ListenAddress Default { get; } = new("localhost", 5000);

    /// <summary>Parses <c>http://host:port</c>; wildcards <c>*</c>, <c>+</c>, <c>0.0.0.0</c> and <c>[::]</c> mean every interface.</summary>
    public static ListenAddress Parse(string url)
    {
        // Uri cannot parse "http://*:5000" or "http://+:5000", so replace the wildcard before parsing.
        var normalized = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal)
            .Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new InvalidOperationException(
                $"urls: the gateway listens on cleartext http:// addresses only, got '{url}'.");
        }

        return new ListenAddress(uri.Host, uri.Port);
    }

    /// <summary>
    /// Every address of <c>urls</c> (semicolon separated); else every port of <c>http_ports</c>
    /// (<c>ASPNETCORE_HTTP_PORTS</c>, set by the .NET container images) on all interfaces; else the default.
    /// </summary>
    public static IReadOnlyList<ListenAddress> ParseList(string? urls, string? httpPorts = null)
    {
        var parts = Split(urls);
        if (parts.Length > 0)
        {
            return parts.Select(Parse).ToArray();
        }

        var ports = Split(httpPorts);
        return ports.Length > 0
            ? ports.Select(port => int.TryParse(port, out var number)
                ? new ListenAddress("0.0.0.0", number)
                : throw new InvalidOperationException($"http_ports: '{port}' is not a port number.")).ToArray()
            : [Default];
    }

    private static string[] Split(string? list) =>
        (list ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Back to a URL Kestrel binds: an IP binds that interface, <c>localhost</c> both loopbacks, 0.0.0.0 all.</summary>
    public string ToUrl() => $"http://{Host}:{Port}";
}
