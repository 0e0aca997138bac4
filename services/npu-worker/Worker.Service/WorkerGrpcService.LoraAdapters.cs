using Grpc.Core;
using Inference.Contracts.Mapping;
using Proto = Inference.Contracts.Worker.V1;

namespace Worker.Service;

/// <summary>
/// LoadLoraAdapter and UnloadLoraAdapter: the runner's exceptions mapped to the status codes worker.proto promises.
/// Steps keep running while an adapter is read.
/// </summary>
public sealed partial class WorkerGrpcService
{
    public override async Task<Proto.LoadLoraAdapterResponse> LoadLoraAdapter(Proto.LoadLoraAdapterRequest request, ServerCallContext context)
    {
        var runner = RequireRunner();
        try
        {
            var adapter = await runner.LoadLoraAdapterAsync(request.Name, request.Path, context.CancellationToken);
            return new Proto.LoadLoraAdapterResponse { Adapter = CommonMessages.ToProto(adapter) };
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Refused(nameof(LoadLoraAdapter), request.Name, StatusCode.NotFound, e);
        }
        catch (ArgumentException e)
        {
            throw Refused(nameof(LoadLoraAdapter), request.Name, StatusCode.InvalidArgument, e);
        }
        catch (InvalidOperationException e)
        {
            // The name is a start adapter's: the name is taken, for the worker's life.
            throw Refused(nameof(LoadLoraAdapter), request.Name, StatusCode.AlreadyExists, e);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, $"loading LoRA adapter '{request.Name}' was cancelled; it was not published"));
        }
        catch (Exception e) when (e is not RpcException)
        {
            LogLoraCallFailed(logger, e, nameof(LoadLoraAdapter), request.Name);
            throw new RpcException(new Status(StatusCode.Internal, $"loading LoRA adapter '{request.Name}' failed: {e.Message}"));
        }
    }

    public override async Task<Proto.UnloadLoraAdapterResponse> UnloadLoraAdapter(Proto.UnloadLoraAdapterRequest request, ServerCallContext context)
    {
        var runner = RequireRunner();
        bool unloaded;
        try
        {
            unloaded = await runner.UnloadLoraAdapterAsync(request.Name, context.CancellationToken);
        }
        catch (ArgumentException e)
        {
            throw Refused(nameof(UnloadLoraAdapter), request.Name, StatusCode.InvalidArgument, e);
        }
        catch (InvalidOperationException e)
        {
            // The name is a start adapter's: it serves for the worker's life.
            throw Refused(nameof(UnloadLoraAdapter), request.Name, StatusCode.FailedPrecondition, e);
        }

        // Not logged: after a lost reply the caller retries, and finding the name gone is that retry's success.
        return unloaded
            ? new Proto.UnloadLoraAdapterResponse()
            : throw new RpcException(new Status(StatusCode.NotFound, $"no LoRA adapter '{request.Name}' was loaded at run time"));
    }

    private RpcException Refused(string method, string name, StatusCode code, Exception e)
    {
        LogLoraCallRefused(logger, method, name, code, e.Message);
        return new RpcException(new Status(code, e.Message));
    }

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "Refused {Method} of LoRA adapter {LoraName} ({StatusCode}): {Reason}")]
    private static partial void LogLoraCallRefused(ILogger logger, string method, string loraName, StatusCode statusCode, string reason);

    [LoggerMessage(EventId = 24, Level = LogLevel.Error, Message = "{Method} of LoRA adapter {LoraName} failed")]
    private static partial void LogLoraCallFailed(ILogger logger, Exception exception, string method, string loraName);
}
