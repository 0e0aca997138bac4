using Grpc.Core;
using Inference.Contracts.Scheduler.V1;
using Scheduler.Service.Configuration;
using Scheduler.Service.Workers;

namespace Scheduler.Service.GrpcServices;

/// <summary><c>inference.scheduler.v1.WorkerRegistry</c>: idempotent by address; the watcher connects the worker.</summary>
public sealed class WorkerRegistryService(WorkerDirectory registry) : Inference.Contracts.Scheduler.V1.WorkerRegistry.WorkerRegistryBase
{
    public override Task<RegisterWorkerResponse> RegisterWorker(RegisterWorkerRequest request, ServerCallContext context)
    {
        if (!SchedulerOptionsValidator.IsHttpUrl(request.Address))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"address must be an absolute http(s) URL such as http://127.0.0.1:50061, got '{request.Address}'"));
        }

        if (request.NumBlocks < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"num_blocks must be >= 0, got {request.NumBlocks}"));
        }

        var worker = registry.Register(new Uri(request.Address), request.Device, request.NumBlocks, request.InstanceId);
        return Task.FromResult(new RegisterWorkerResponse { WorkerId = worker.WorkerId });
    }
}
