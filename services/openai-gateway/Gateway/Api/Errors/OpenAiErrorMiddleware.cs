using System.Globalization;
using Gateway.Api.Json;
using Gateway.Api.Sse;
using Grpc.Core;

namespace Gateway.Api.Errors;

/// <summary>
/// Turns every failure of an API request into the OpenAI error envelope (see <see cref="ErrorTable"/>), so a bad
/// request never takes the process down. Once an SSE stream has started, the error goes out as a last event.
/// </summary>
public sealed partial class OpenAiErrorMiddleware(RequestDelegate next, ILogger<OpenAiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception) when (IsClientGone(context, exception))
        {
            LogClientDisconnected(logger, context.Request.Path);
        }
        catch (Exception exception)
        {
            var answer = ErrorTable.Describe(exception);
            var error = answer.Error;
            if (exception is RpcException rpc && error.Code >= 500)
            {
                // A backend that is down or failing: its status says enough, a stack trace adds only noise.
                LogBackendError(logger, context.Request.Path, error.Code, rpc.StatusCode, rpc.Status.Detail);
            }
            else if (error.Code >= 500)
            {
                LogServerError(logger, context.Request.Path, error.Code, exception);
            }
            else
            {
                LogRejected(logger, context.Request.Path, error.Code, error.Message);
            }

            await WriteAsync(context, answer);
        }
    }

    private static bool IsClientGone(HttpContext context, Exception exception) =>
        context.RequestAborted.IsCancellationRequested
        && exception is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled } or IOException;

    private static async Task WriteAsync(HttpContext context, ErrorAnswer answer)
    {
        var body = new ErrorBody(answer.Error);
        if (context.Response.HasStarted)
        {
            if (context.Response.ContentType == SseWriter.ContentType)
            {
                var sse = new SseWriter(context.Response);
                await sse.WriteAsync(body, ApiJson.Context.ErrorBody, context.RequestAborted);
                await sse.WriteDoneAsync(context.RequestAborted);
            }

            return;
        }

        context.Response.StatusCode = answer.Error.Code;
        if (answer.RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsJsonAsync(body, ApiJson.Context.ErrorBody, cancellationToken: context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Client disconnected from {Path}")]
    private static partial void LogClientDisconnected(ILogger logger, PathString path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected {Path} with {Status}: {Reason}")]
    private static partial void LogRejected(ILogger logger, PathString path, int status, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request to {Path} failed with {Status}: backend answered {RpcStatus} {Detail}")]
    private static partial void LogBackendError(ILogger logger, PathString path, int status, StatusCode rpcStatus, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request to {Path} failed with {Status}")]
    private static partial void LogServerError(ILogger logger, PathString path, int status, Exception exception);
}
