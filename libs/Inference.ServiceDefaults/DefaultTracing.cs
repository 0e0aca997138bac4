using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Inference.ServiceDefaults;

/// <summary>
/// OpenTelemetry tracing: a span per incoming request and per outgoing HTTP/gRPC call, with the W3C traceparent
/// carried on every call, so one trace id follows a request gateway -> scheduler -> tokenizer. Spans leave the
/// process only when an OTLP endpoint is configured (the standard OTEL_EXPORTER_OTLP_ENDPOINT); by default nothing
/// is exported.
/// </summary>
internal static class DefaultTracing
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static void Add(IServiceCollection services, string serviceName, string? otlpEndpoint)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbe(context.Request.Path))
                    .AddHttpClientInstrumentation();
                if (!string.IsNullOrWhiteSpace(otlpEndpoint))
                {
                    tracing.AddOtlpExporter();
                }
            });
    }

    /// <summary>Health and metrics are polled all the time; a span each would bury the requests.</summary>
    private static bool IsProbe(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/grpc.health.v1.Health");
}
