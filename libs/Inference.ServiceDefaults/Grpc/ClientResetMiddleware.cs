using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Inference.ServiceDefaults.Grpc;

/// <summary>
/// Makes a client's reset (the scheduler cancelling an Execute, or going away) cancel HttpContext.RequestAborted the
/// moment the request body reports it. Kestrel fails the body with an IOException at once but cancels RequestAborted
/// later, on the thread pool; gRPC logs such an IOException as "Error when executing service method" with a stack
/// trace unless RequestAborted is already cancelled, and reads a unary request before any service code can catch it.
/// So without this, a cancelled call is now and then logged as a worker fault.
/// </summary>
public sealed class ClientResetMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var lifetime = context.Features.Get<IHttpRequestLifetimeFeature>();
        var body = context.Features.Get<IRequestBodyPipeFeature>();
        if (lifetime is null || body is null)
        {
            await next(context);
            return;
        }

        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(lifetime.RequestAborted);
        context.Features.Set<IHttpRequestLifetimeFeature>(new LifetimeFeature(lifetime, aborted.Token));
        context.Features.Set<IRequestBodyPipeFeature>(new BodyFeature(new ResetSignallingPipeReader(body.Reader, aborted)));
        try
        {
            await next(context);
        }
        finally
        {
            // Kestrel may reuse the feature collection for a later request: leave it nothing that holds the disposed token source.
            context.Features.Set(lifetime);
            context.Features.Set(body);
        }
    }

    private sealed class LifetimeFeature(IHttpRequestLifetimeFeature inner, CancellationToken aborted) : IHttpRequestLifetimeFeature
    {
        public CancellationToken RequestAborted { get; set; } = aborted;

        public void Abort() => inner.Abort();
    }

    private sealed class BodyFeature(System.IO.Pipelines.PipeReader reader) : IRequestBodyPipeFeature
    {
        public System.IO.Pipelines.PipeReader Reader => reader;
    }
}
