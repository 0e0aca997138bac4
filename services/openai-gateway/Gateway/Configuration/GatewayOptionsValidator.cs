using Inference.Abstractions.Text;
using Microsoft.Extensions.Options;

namespace Gateway.Configuration;

/// <summary>Fails start-up with a message naming the bad setting.</summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    /// <summary>The longest timer .NET can set (2^32 - 2 ms, about 49 days), in whole seconds.</summary>
    public const double MaxRequestTimeoutSeconds = 4_294_967;

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        CheckAddress(failures, "Gateway:SchedulerAddress", options.SchedulerAddress, "http://127.0.0.1:50052");
        CheckAddress(failures, "Gateway:TokenizerAddress", options.TokenizerAddress, "http://127.0.0.1:50051");
        if (options.GrpcPort is { } port && (port < 1 || port > 65535))
        {
            failures.Add($"Gateway:GrpcPort must be between 1 and 65535, got {port}.");
        }

        if (!(options.HealthTimeoutSeconds > 0))
        {
            failures.Add($"Gateway:HealthTimeoutSeconds must be > 0, got {options.HealthTimeoutSeconds}.");
        }

        if (options.RequestTimeoutSeconds is { } timeout && !(timeout > 0 && timeout <= MaxRequestTimeoutSeconds))
        {
            failures.Add($"Gateway:RequestTimeoutSeconds must be > 0 and at most {MaxRequestTimeoutSeconds} when set, got {timeout}.");
        }

        if (options.ReasoningParser is { Length: > 0 } parser && !ReasoningParserNames.IsKnown(parser))
        {
            failures.Add($"Gateway:ReasoningParser must be one of {string.Join(", ", ReasoningParserNames.All)} when set, got '{parser}'.");
        }

        if (options.AllowRuntimeLoraUpdating is { } lora && lora.Trim().ToLowerInvariant() is not ("" or "true" or "1" or "false" or "0"))
        {
            failures.Add($"{GatewayOptions.RuntimeLoraUpdatingKey} must be true, 1, false or 0 when set, got '{lora}'.");
        }

        CheckLoraResolver(failures, options);
        CheckCors(failures, options.Cors);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckLoraResolver(List<string> failures, GatewayOptions options)
    {
        foreach (var plugin in options.PluginNames ?? [])
        {
            if (plugin != GatewayOptions.FilesystemResolverPlugin)
            {
                failures.Add($"{GatewayOptions.PluginsKey} names '{plugin}', a plugin this gateway does not have (it has {GatewayOptions.FilesystemResolverPlugin}).");
            }
        }

        if (options.FilesystemResolverFolder is not { } folder)
        {
            return;
        }

        if (!options.RuntimeLoraUpdating)
        {
            failures.Add($"{GatewayOptions.LoraResolverCacheDirKey} loads adapters while serving: it needs {GatewayOptions.RuntimeLoraUpdatingKey}=true.");
        }

        if (!Directory.Exists(folder))
        {
            failures.Add($"{GatewayOptions.LoraResolverCacheDirKey} must be an existing folder, got '{folder}'.");
        }
    }

    private static void CheckCors(List<string> failures, GatewayCorsOptions cors)
    {
        foreach (var origin in cors.AllowedOrigins)
        {
            if (origin != "*" && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            {
                failures.Add($"Gateway:Cors:AllowedOrigins must hold origins such as https://app.example.com or *, got '{origin}'.");
            }
        }

        if (cors.AllowCredentials && cors.AllowedOrigins.Contains("*"))
        {
            failures.Add("Gateway:Cors:AllowCredentials cannot be true with the * origin (the CORS protocol forbids it); list the origins instead.");
        }

        if (cors.AllowCredentials && !cors.Enabled)
        {
            failures.Add("Gateway:Cors:AllowCredentials needs Gateway:Cors:AllowedOrigins; CORS is off without origins.");
        }
    }

    private static void CheckAddress(List<string> failures, string key, string value, string example)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            failures.Add($"{key} is required (for example {example}).");
        }
        else if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            failures.Add($"{key} must be an absolute http:// or https:// address, got '{value}'.");
        }
    }
}
