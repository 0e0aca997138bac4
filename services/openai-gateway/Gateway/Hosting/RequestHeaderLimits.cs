using Gateway.Api.Errors;
using Gateway.Api.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Hosting;

/// <summary>
/// Kestrel refuses over-large request headers itself, with a bare 431 before any middleware runs. So Kestrel's own
/// limits are raised to a hard ceiling and the usual limits (Kestrel's defaults: 32 KiB of headers, 100 of them) are
/// enforced here, where the 431 can carry the OpenAI error envelope. Beyond the ceiling Kestrel still answers a bare
/// 431 (or, for a request line over 8 KiB, a bare 414): those never reach the application.
/// </summary>
public sealed class RequestHeaderLimits(RequestDelegate next)
{
    /// <summary>Total size of the request's header lines (name, ": ", value, CRLF), as Kestrel counts them.</summary>
    public const int MaxTotalBytes = 32 * 1024;

    public const int MaxCount = 100;

    /// <summary>What Kestrel itself accepts; between the limits above and these, the answer is an enveloped 431.</summary>
    private const int KestrelMaxTotalBytes = 1024 * 1024;

    private const int KestrelMaxCount = 1000;

    public static void RaiseKestrelLimits(KestrelServerLimits limits)
    {
        limits.MaxRequestHeadersTotalSize = KestrelMaxTotalBytes;
        limits.MaxRequestHeaderCount = KestrelMaxCount;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var count = 0;
        long bytes = 0;
        foreach (var (name, values) in context.Request.Headers)
        {
            foreach (var value in values)
            {
                count++;
                bytes += name.Length + (value?.Length ?? 0) + 4;
            }
        }

        if (count <= MaxCount && bytes <= MaxTotalBytes)
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status431RequestHeaderFieldsTooLarge;
        var error = ErrorTable.ForStatus(
            StatusCodes.Status431RequestHeaderFieldsTooLarge,
            $"Request Header Fields Too Large: {count} headers of {bytes} bytes; at most {MaxCount} headers of {MaxTotalBytes} bytes in all.");
        await context.Response.WriteAsJsonAsync(new ErrorBody(error), ApiJson.Context.ErrorBody, cancellationToken: context.RequestAborted);
    }
}
