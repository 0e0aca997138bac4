using Gateway.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Hosting;

public static class KestrelEndpointExtensions
{
    /// <summary>
    /// HTTP/1.1 on every <c>--urls</c> address (the OpenAI API), and cleartext HTTP/2 on
    /// <see cref="GatewayOptions.GrpcPort"/> (the gRPC front door): Kestrel cannot serve h2c and HTTP/1.1
    /// on one cleartext port.
    /// </summary>
    /// <remarks>
    /// The front door joins the standard <c>urls</c> setting rather than a code-defined endpoint, because any
    /// code-defined endpoint makes Kestrel drop (and warn about) the <c>--urls</c> addresses; the protocol of each
    /// endpoint is then chosen by its port.
    /// </remarks>
    public static void ConfigureGatewayEndpoints(this WebApplicationBuilder builder, GatewayOptions options)
    {
        var httpAddresses = ListenAddress.ParseList(
            builder.Configuration[WebHostDefaults.ServerUrlsKey],
            builder.Configuration[WebHostDefaults.HttpPortsKey]);
        if (options.GrpcPort is { } port && httpAddresses.Any(address => address.Port == port))
        {
            throw new InvalidOperationException(
                $"Gateway:GrpcPort {port} is also an HTTP port in urls; the gRPC front door needs a port of its own.");
        }

        if (options.GrpcPort is { } grpcPort)
        {
            var urls = httpAddresses.Append(httpAddresses[0] with { Port = grpcPort }).Select(address => address.ToUrl());
            builder.Configuration[WebHostDefaults.ServerUrlsKey] = string.Join(';', urls);
        }

        var limits = builder.Configuration.GetSection("Kestrel:Limits");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // ASP.NET Core's own keys (Kestrel__Limits__MaxRequestBodySize, in bytes; 30,000,000 unless set), which
            // Kestrel does not read from configuration by itself. The header limits stay the gateway's: it raises
            // Kestrel's to their ceilings and enforces its own (RequestHeaderLimits), so that they are answered as errors.
            limits.Bind(kestrel.Limits);
            RequestHeaderLimits.RaiseKestrelLimits(kestrel.Limits);
            kestrel.ConfigureEndpointDefaults(listen =>
                listen.Protocols = options.GrpcPort is { } grpc && listen.IPEndPoint?.Port == grpc
                    ? HttpProtocols.Http2
                    : HttpProtocols.Http1);
        });
    }
}
