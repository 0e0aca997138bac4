using System.Security.Cryptography;
using System.Text;
using Gateway.Api.Errors;
using Gateway.Api.Json;
using Gateway.Configuration;
using Gateway.Proxy;
using Microsoft.Extensions.Options;

namespace Gateway.Security;

/// <summary>
/// vLLM's <c>--api-key</c>: when <see cref="GatewayOptions.ApiKey"/> is set, every route under <c>/v1</c> and the gRPC
/// front door need <c>Authorization: Bearer &lt;key&gt;</c>; the routes outside <c>/v1</c> (health, version, metrics,
/// tokenize, and score and rerank at <c>/score</c>, <c>/rerank</c>, <c>/v2/rerank</c>) stay open, as vLLM guards
/// <c>/v1</c> only.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, IOptions<GatewayOptions> options)
{
    private readonly byte[]? _expected = options.Value.ApiKey is { Length: > 0 } key ? Encoding.UTF8.GetBytes("Bearer " + key) : null;

    public async Task InvokeAsync(HttpContext context)
    {
        if (_expected is null || !IsProtected(context.Request.Path) || HasKey(context))
        {
            await next(context);
            return;
        }

        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            // A trailers-only gRPC answer, so gRPC clients see Unauthenticated rather than a bare HTTP 401.
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "16";
            context.Response.Headers["grpc-message"] = "missing or wrong bearer token";
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        var error = new ErrorBody(new ErrorInfo("Unauthorized: missing or wrong bearer token.", "AuthenticationError", null, 401));
        await context.Response.WriteAsJsonAsync(error, ApiJson.Context.ErrorBody, cancellationToken: context.RequestAborted);
    }

    private static bool IsProtected(PathString path) =>
        path.StartsWithSegments("/v1") || path.StartsWithSegments(SchedulerFrontDoorExtensions.GenerationPrefix);

    private bool HasKey(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), _expected);
    }
}
