using Inference.Observability;
using Inference.ServiceDefaults.Grpc;
using Inference.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Inference.ServiceDefaults;

/// <summary>The shared start of every service's Program: <c>AddServiceDefaults</c>, its features, <c>MapServiceDefaults</c>.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// The largest gRPC message a service takes (gRPC's default is 4 MiB): a prompt sent as input embeddings is tokens x
    /// hidden size float32 values (1,000 tokens of a 3,584-wide model are 14 MiB), and a worker's step carries every new
    /// request's whole prompt.
    /// </summary>
    public const int MaxReceiveMessageBytes = 256 << 20;

    /// <summary>
    /// Log format, the bound addresses in the log once started, OpenTelemetry tracing, the Prometheus exporter of <paramref name="meterNames"/>, gRPC and gRPC
    /// health checks (add the service's own checks to the returned builder).
    /// </summary>
    /// <param name="serviceName">The service's name in traces, for example "scheduler".</param>
    public static IHealthChecksBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName, params string[] meterNames)
    {
        DefaultLogging.Apply(builder.Configuration);
        DefaultTracing.Add(builder.Services, serviceName, builder.Configuration[DefaultTracing.OtlpEndpointVariable]);
        builder.Services.AddPrometheusTextExporter(meterNames);
        builder.Services.AddGrpc(options => options.MaxReceiveMessageSize = MaxReceiveMessageBytes);
        builder.Services.AddHostedService<ListeningAddressLog>();

        // Publish health at once rather than after the default 5 s, so launchers see readiness quickly.
        builder.Services.Configure<HealthCheckPublisherOptions>(options => options.Delay = TimeSpan.Zero);
        return builder.Services.AddGrpcHealthChecks();
    }

    /// <summary>Cleartext HTTP/2 on every endpoint: a gRPC-only service (Kestrel cannot serve h2c and HTTP/1.1 on one
    /// cleartext port).</summary>
    public static WebApplicationBuilder UseHttp2Only(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));
        return builder;
    }

    /// <summary>For a gRPC service: callers that hang up end quietly, gRPC health, and <c>GET /metrics</c>.</summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.UseMiddleware<ClientResetMiddleware>();
        app.MapGrpcHealthChecksService();
        app.MapPrometheusMetrics();
        return app;
    }
}
