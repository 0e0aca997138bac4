using Microsoft.AspNetCore.Http;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Inference.ServiceDefaults.Grpc;

/// <summary>The request body, cancelling <c>aborted</c> the moment a read or advance reports that the client went away.</summary>
internal sealed class ResetSignallingPipeReader(PipeReader inner, CancellationTokenSource aborted) : PipeReader
{
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ValueTask<ReadResult> read;
        try
        {
            read = inner.ReadAsync(cancellationToken);
        }
        catch (Exception e) when (SignalIfClientGone(e))
        {
            throw;
        }

        return read.IsCompletedSuccessfully ? read : Awaited(read);
    }

    public override bool TryRead(out ReadResult result)
    {
        try
        {
            return inner.TryRead(out result);
        }
        catch (Exception e) when (SignalIfClientGone(e))
        {
            throw;
        }
    }

    public override void AdvanceTo(SequencePosition consumed)
    {
        try
        {
            inner.AdvanceTo(consumed);
        }
        catch (Exception e) when (SignalIfClientGone(e))
        {
            throw;
        }
    }

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        try
        {
            inner.AdvanceTo(consumed, examined);
        }
        catch (Exception e) when (SignalIfClientGone(e))
        {
            throw;
        }
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    private async ValueTask<ReadResult> Awaited(ValueTask<ReadResult> read)
    {
        try
        {
            return await read;
        }
        catch (Exception e) when (SignalIfClientGone(e))
        {
            throw;
        }
    }

    /// <summary>
    /// Always false, so the exception propagates unchanged (the filter runs before any unwinding). A stream reset is an
    /// IOException, a dropped connection a ConnectionAbortedException; a malformed or oversized request
    /// (BadHttpRequestException, also an IOException) is the client's fault, not its leaving, and cancels nothing.
    /// </summary>
    private bool SignalIfClientGone(Exception e)
    {
        if (e is ConnectionAbortedException || (e is IOException && e is not BadHttpRequestException))
        {
            aborted.Cancel();
        }

        return false;
    }
}
