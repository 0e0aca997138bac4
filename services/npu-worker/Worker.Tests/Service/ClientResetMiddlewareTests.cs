using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Inference.ServiceDefaults.Grpc;
using Worker.Service;

namespace Worker.Tests.Service;

public sealed class ClientResetMiddlewareTests
{
    [Fact]
    public async Task BodyReadFailsWithReset_CancelsRequestAbortedBeforeTheCallerSeesTheException()
    {
        var context = NewContext(failBodyWith: new IOException("The client reset the request stream."), out _);

        bool abortedWhenCaught = await RunAndReadBody(context);

        Assert.True(abortedWhenCaught);
    }

    [Fact]
    public async Task BodyReadFailsWithBadRequest_LeavesRequestAbortedAlone()
    {
        var context = NewContext(failBodyWith: new BadHttpRequestException("Request body too large.", 413), out _);

        bool abortedWhenCaught = await RunAndReadBody(context);

        Assert.False(abortedWhenCaught);
    }

    [Fact]
    public async Task ServerAbort_StillCancelsRequestAborted()
    {
        var context = NewContext(failBodyWith: null, out var serverAborted);
        bool aborted = false;
        var middleware = new ClientResetMiddleware(inner =>
        {
            serverAborted.Cancel();
            aborted = inner.RequestAborted.IsCancellationRequested;
            return Task.CompletedTask;
        });

        await middleware.InvokeAsync(context).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(aborted);
    }

    /// <summary>Runs the middleware around a reader of the body; returns whether RequestAborted was cancelled when the read threw.</summary>
    private static async Task<bool> RunAndReadBody(HttpContext context)
    {
        bool? abortedWhenCaught = null;
        var middleware = new ClientResetMiddleware(async inner =>
        {
            try
            {
                await inner.Request.BodyReader.ReadAsync();
            }
            catch (IOException)
            {
                abortedWhenCaught = inner.RequestAborted.IsCancellationRequested;
            }
        });

        await middleware.InvokeAsync(context).WaitAsync(TimeSpan.FromSeconds(10));
        return abortedWhenCaught ?? throw new InvalidOperationException("the body read did not fail");
    }

    private static DefaultHttpContext NewContext(Exception? failBodyWith, out CancellationTokenSource serverAborted)
    {
        var pipe = new Pipe();
        if (failBodyWith is not null)
        {
            // The way Kestrel reports a reset: the body pipe's writer completes with the exception.
            pipe.Writer.Complete(failBodyWith);
        }

        serverAborted = new CancellationTokenSource();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = serverAborted.Token });
        context.Features.Set<IRequestBodyPipeFeature>(new BodyPipe(pipe.Reader));
        return context;
    }

    private sealed class BodyPipe(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader => reader;
    }
}
