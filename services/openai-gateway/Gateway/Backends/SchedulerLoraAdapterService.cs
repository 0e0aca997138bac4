using Inference.Abstractions.Execution;
using Inference.Contracts.Mapping;
using Proto = Inference.Contracts.Scheduler.V1;

namespace Gateway.Backends;

/// <summary>The edge to the scheduler's <c>LoraAdapters</c> service: domain calls out, protobuf messages on the wire.</summary>
public sealed class SchedulerLoraAdapterService(Proto.LoraAdapters.LoraAdaptersClient client) : ILoraAdapterService
{
    public async Task<LoraAdapterInfo> LoadAsync(string name, string path, CancellationToken cancellationToken)
    {
        var response = await client.LoadLoraAdapterAsync(
            new Proto.LoadLoraAdapterRequest { LoraName = name, LoraPath = path }, cancellationToken: cancellationToken);
        return CommonMessages.ToDomain(response.Adapter);
    }

    public async Task<int> UnloadAsync(string name, CancellationToken cancellationToken)
    {
        var response = await client.UnloadLoraAdapterAsync(
            new Proto.UnloadLoraAdapterRequest { LoraName = name }, cancellationToken: cancellationToken);
        return response.NumRequestsUsing;
    }
}
