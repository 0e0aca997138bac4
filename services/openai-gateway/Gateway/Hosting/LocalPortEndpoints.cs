namespace Gateway.Hosting;

/// <summary>
/// Endpoints served only on connections that arrived on one of the gateway's own ports. ASP.NET Core's
/// <c>RequireHost("*:port")</c> reads the port from the Host header, which names the port the client dialled: behind
/// a port mapping (<c>GRPC_PORT=9001 docker compose up</c>, <c>docker run -p</c>, a Kubernetes service) that is not
/// the port the gateway listens on, and every call would miss the endpoint.
/// </summary>
public static class LocalPortEndpoints
{
    /// <summary>Serves the endpoints only on connections accepted on <paramref name="port"/>; elsewhere they are 404.</summary>
    public static TBuilder RequireLocalPort<TBuilder>(this TBuilder builder, int port)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new LocalPortMetadata(port));

    /// <summary>Enforces <see cref="RequireLocalPort{TBuilder}"/>; runs after routing has chosen the endpoint.</summary>
    public static IApplicationBuilder UseLocalPortEndpoints(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var required = context.GetEndpoint()?.Metadata.GetMetadata<LocalPortMetadata>();
            if (required is not null && context.Connection.LocalPort != required.Port)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });

    private sealed record LocalPortMetadata(int Port);
}
