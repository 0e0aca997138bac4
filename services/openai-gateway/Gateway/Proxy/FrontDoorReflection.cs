using Gateway.Hosting;
using Grpc.Health.V1;
using Grpc.Reflection;
using Grpc.Reflection.V1Alpha;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Proxy;

/// <summary>
/// gRPC server reflection on the front door, so <c>grpcurl</c> can list and describe what it serves without the
/// protos: the public generation service (proxied to the scheduler), health, and reflection itself. The scheduler's
/// worker registry is not listed: the front door does not route it.
/// </summary>
public static class FrontDoorReflection
{
    public static IServiceCollection AddFrontDoorReflection(this IServiceCollection services) =>
        services.AddSingleton(new ReflectionServiceImpl(Generation.Descriptor, Health.Descriptor, ServerReflection.Descriptor));

    /// <param name="grpcPort">The front door's HTTP/2 port; reflection answers only there, as the proxied calls do.</param>
    public static WebApplication MapFrontDoorReflection(this WebApplication app, int? grpcPort)
    {
        if (grpcPort is { } port)
        {
            app.MapGrpcService<ReflectionServiceImpl>().RequireLocalPort(port);
        }

        return app;
    }
}
