using System.Globalization;
using Gateway.Api.Json;
using Gateway.Api.Sse;
using Grpc.Core;

namespace Gateway.Api.Errors;

/// <summary>
/// Turns every failure of an API request into the OpenAI error envelope (see <see cref="ErrorTable"/>), so a bad
/// request never takes the process down. Before the first byte the failure keeps its HTTP status; once an SSE stream
/// has started, it goes out as a last <c>data: {"error": …}</c> event followed by <c>data: [DONE]</c> (or in the
/// stream's own form, <see cref="IStreamErrorWriter"/>), so a client never sees a stream simply cut off. A client that hung up is no failure: it is logged at debug level only.
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
            Log(context, exception, answer.Error);
            try
            {
                await WriteAsync(context, answer);
            }
            catch (Exception writeFailure) when (IsClientGone(context, writeFailure))
            {
                LogClientDisconnected(logger, context.Request.Path);
            }
        }
    }

    private static bool IsClientGone(HttpContext context, Exception exception) =>
        context.RequestAborted.IsCancellationRequested
        && exception is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled } or IOException;

    private void Log(HttpContext context, Exception exception, ErrorInfo error)
    {
        var path = context.Request.Path;
        if (exception is RpcException rpc && error.Code >= 500)
        {
            // A backend that is down or failing: its status says enough, a stack trace adds only noise.
            LogBackendError(logger, path, error.Code, rpc.StatusCode, rpc.Status.Detail);
        }
        else if (error.Code >= 500 && exception is not ApiException)
        {
            LogServerError(logger, path, error.Code, exception);
        }
        else
        {
            // Refusals the gateway or the scheduler decided on (bad field, overload, the request deadline).
            LogRejected(logger, path, error.Code, error.Message);
        }
    }

    private static async Task WriteAsync(HttpContext context, ErrorAnswer answer)
    {
        var body = new ErrorBody(answer.Error);
        if (context.Response.HasStarted)
        {
            if (context.Features.Get<IStreamErrorWriter>() is { } streamErrors)
            {
                await streamErrors.WriteErrorAsync(answer.Error, context.RequestAborted);
            }
            else if (context.Response.ContentType == SseWriter.ContentType)
            {
                var sse = new SseWriter(context.Response);
                await sse.WriteAsync(body, ApiJson.Context.ErrorBody, context.RequestAborted);
                await sse.WriteDoneAsync(context.RequestAborted);
            }
            else
            {
                // Half a JSON answer must not look whole (a chunked body would end cleanly): break the response.
                context.Abort();
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
