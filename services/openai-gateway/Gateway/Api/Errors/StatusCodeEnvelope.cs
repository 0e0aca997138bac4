using Gateway.Api.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;

namespace Gateway.Api.Errors;

/// <summary>
/// Gives the statuses the web framework answers by itself with an empty body (404 no such route, 405 wrong method,
/// and any other 4xx/5xx without a body) the OpenAI error envelope, so every error a client sees has one shape.
/// gRPC calls on the front door are left alone: their errors travel in trailers.
/// </summary>
public static class StatusCodeEnvelope
{
    public static WebApplication UseStatusCodeEnvelope(this WebApplication app)
    {
        app.UseStatusCodePages(WriteAsync);
        return app;
    }

    private static async Task WriteAsync(StatusCodeContext statusContext)
    {
        var context = statusContext.HttpContext;
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            return;
        }

        var error = ErrorTable.ForStatus(context.Response.StatusCode, Describe(context));
        await context.Response.WriteAsJsonAsync(new ErrorBody(error), ApiJson.Context.ErrorBody, cancellationToken: context.RequestAborted);
    }

    private static string Describe(HttpContext context)
    {
        var request = context.Request;
        var status = context.Response.StatusCode;
        var reason = ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : $"HTTP {status}";
        return status switch
        {
            StatusCodes.Status404NotFound => $"{reason}: no route for {request.Method} {request.Path}.",
            StatusCodes.Status405MethodNotAllowed when context.Response.Headers.Allow is { Count: > 0 } allow =>
                $"{reason}: {request.Method} {request.Path}; allowed: {allow}.",
            StatusCodes.Status405MethodNotAllowed => $"{reason}: {request.Method} {request.Path}.",
            _ => $"{reason}.",
        };
    }
}
