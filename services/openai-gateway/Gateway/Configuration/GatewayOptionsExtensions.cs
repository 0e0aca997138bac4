using Microsoft.Extensions.Options;

namespace Gateway.Configuration;

public static class GatewayOptionsExtensions
{
    /// <summary>
    /// Binds and validates <see cref="GatewayOptions"/> now, because the endpoints and the proxy routes are built
    /// from them before the host exists; also registers them for injection.
    /// </summary>
    public static GatewayOptions AddGatewayOptions(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(GatewayOptions.SectionName);
        var options = section.Get<GatewayOptions>() ?? new GatewayOptions();
        ReadTopLevelKeys(builder.Configuration, options);
        var result = new GatewayOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(GatewayOptions.SectionName, typeof(GatewayOptions), result.Failures);
        }

        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        builder.Services.AddOptions<GatewayOptions>()
            .Bind(section)
            .Configure(injected => ReadTopLevelKeys(builder.Configuration, injected))
            .ValidateOnStart();
        return options;
    }

    /// <summary>The settings vLLM reads from environment variables keep those names, outside the Gateway section.</summary>
    private static void ReadTopLevelKeys(IConfiguration configuration, GatewayOptions options)
    {
        options.AllowRuntimeLoraUpdating = configuration[GatewayOptions.RuntimeLoraUpdatingKey];
        options.LoraResolverCacheDir = configuration[GatewayOptions.LoraResolverCacheDirKey];
        options.Plugins = configuration[GatewayOptions.PluginsKey];
    }
}
