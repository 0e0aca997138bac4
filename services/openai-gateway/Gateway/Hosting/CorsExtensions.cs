using Gateway.Configuration;
using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Gateway.Hosting;

/// <summary>ASP.NET Core's CORS middleware with one default policy from <see cref="GatewayCorsOptions"/>, when enabled.</summary>
public static class CorsExtensions
{
    private const string Any = "*";

    public static IServiceCollection AddGatewayCors(this IServiceCollection services, GatewayOptions options)
    {
        if (options.Cors.Enabled)
        {
            services.AddCors(cors => cors.AddDefaultPolicy(policy => Configure(policy, options.Cors)));
        }

        return services;
    }

    /// <summary>
    /// Early in the pipeline, before authentication: a browser's preflight carries no API key, and is answered here.
    /// </summary>
    public static WebApplication UseGatewayCors(this WebApplication app, GatewayOptions options)
    {
        if (options.Cors.Enabled)
        {
            app.UseCors();
        }

        return app;
    }

    private static void Configure(CorsPolicyBuilder policy, GatewayCorsOptions cors)
    {
        if (cors.AllowedOrigins.Contains(Any))
        {
            policy.AllowAnyOrigin();
        }
        else
        {
            policy.WithOrigins(cors.AllowedOrigins);
        }

        if (cors.AllowedMethods is null || cors.AllowedMethods.Contains(Any))
        {
            policy.AllowAnyMethod();
        }
        else
        {
            policy.WithMethods(cors.AllowedMethods);
        }

        if (cors.AllowedHeaders is null || cors.AllowedHeaders.Contains(Any))
        {
            policy.AllowAnyHeader();
        }
        else
        {
            policy.WithHeaders(cors.AllowedHeaders);
        }

        if (cors.AllowCredentials)
        {
            policy.AllowCredentials();
        }
    }
}
