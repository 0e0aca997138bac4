using Gateway.Api.Errors;
using Gateway.Configuration;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Generation;

/// <summary>
/// <see cref="GatewayOptions.RequestTimeoutSeconds"/>: a generating request still running at its deadline is aborted.
/// The endpoint's <see cref="HttpContext.RequestAborted"/> becomes "client gone or deadline passed", so the scheduler
/// call is cancelled exactly as when a client hangs up; the cancellation then surfaces as a 504
/// (<see cref="ApiException.RequestTimedOut"/>), which <see cref="OpenAiErrorMiddleware"/> answers with a status
/// or, once streaming, with an error event and <c>[DONE]</c>. An endpoint may lift it (<see cref="RequestDeadline"/>).
/// </summary>
public sealed class RequestDeadlineFilter(IOptions<GatewayOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (options.Value.RequestTimeoutSeconds is not { } seconds)
        {
            return await next(context);
        }

        var http = context.HttpContext;
        var clientGone = http.RequestAborted;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(clientGone);
        deadline.CancelAfter(TimeSpan.FromSeconds(seconds));
        http.RequestAborted = deadline.Token;
        http.Features.Set(new RequestDeadline(deadline));
        try
        {
            return await next(context);
        }
        catch (Exception exception) when (IsCancellation(exception) && deadline.IsCancellationRequested && !clientGone.IsCancellationRequested)
        {
            throw ApiException.RequestTimedOut(seconds);
        }
        finally
        {
            // The error answer is written against the client's own token, not the expired deadline.
            http.RequestAborted = clientGone;
            http.Features.Set<RequestDeadline>(null);
        }
    }

    private static bool IsCancellation(Exception exception) =>
        exception is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled };
}
