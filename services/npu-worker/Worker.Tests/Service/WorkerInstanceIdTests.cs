using Grpc.Core;
using Inference.Contracts.Worker.V1;
using Worker.Tests.Support;

namespace Worker.Tests.Service;

/// <summary>Each start of the worker has its own instance id, and steps planned for another instance never run.</summary>
public sealed class WorkerInstanceIdTests
{
    [Fact]
    public async Task InstanceId_IsTheSameInInfoHealthAndExecute()
    {
        await using var host = await WorkerServiceHost.StartAsync();

        var info = await host.Client.InfoAsync(new InfoRequest(), deadline: WorkerServiceHost.Deadline());
        var health = await host.Client.HealthAsync(new HealthRequest(), deadline: WorkerServiceHost.Deadline());
        var step = await host.Client.ExecuteAsync(Prefill(1, "a", info.InstanceId), deadline: WorkerServiceHost.Deadline());

        Assert.Equal(32, info.InstanceId.Length);
        Assert.Equal(info.InstanceId, health.InstanceId);
        Assert.Equal(info.InstanceId, step.InstanceId);
    }

    [Fact]
    public async Task InstanceId_DiffersBetweenTwoStarts()
    {
        await using var first = await WorkerServiceHost.StartAsync();
        await using var second = await WorkerServiceHost.StartAsync();

        var firstInfo = await first.Client.InfoAsync(new InfoRequest(), deadline: WorkerServiceHost.Deadline());
        var secondInfo = await second.Client.InfoAsync(new InfoRequest(), deadline: WorkerServiceHost.Deadline());

        Assert.NotEqual(firstInfo.InstanceId, secondInfo.InstanceId);
    }

    [Fact]
    public async Task Execute_PlannedForAnotherInstance_IsFailedPreconditionNamingBothIds()
    {
        await using var host = await WorkerServiceHost.StartAsync();
        var info = await host.Client.InfoAsync(new InfoRequest(), deadline: WorkerServiceHost.Deadline());
        string previousLife = Guid.NewGuid().ToString("N");

        var error = await Assert.ThrowsAsync<RpcException>(
            () => host.Client.ExecuteAsync(Prefill(1, "a", previousLife), deadline: WorkerServiceHost.Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains(previousLife, error.Status.Detail);
        Assert.Contains(info.InstanceId, error.Status.Detail);
    }

    [Fact]
    public async Task Execute_PlannedForAnotherInstance_LeavesRequestStateUntouched()
    {
        await using var host = await WorkerServiceHost.StartAsync();
        string instanceId = (await host.Client.InfoAsync(new InfoRequest(), deadline: WorkerServiceHost.Deadline())).InstanceId;
        await host.Client.ExecuteAsync(Prefill(1, "a", instanceId), deadline: WorkerServiceHost.Deadline());

        // Finishing "a" and adding "b" would both change state if any of this plan were applied.
        var stale = Prefill(2, "b", Guid.NewGuid().ToString("N"));
        stale.FinishedRequestIds.Add("a");
        await Assert.ThrowsAsync<RpcException>(() => host.Client.ExecuteAsync(stale, deadline: WorkerServiceHost.Deadline()).ResponseAsync);
        int heldAfterRefusal = (await host.Client.HealthAsync(new HealthRequest(), deadline: WorkerServiceHost.Deadline())).NumRequests;
        var decode = new ExecuteRequest { StepId = 3, InstanceId = instanceId };
        decode.CachedRequests.Add(new CachedRequest { RequestId = "a", NumComputedTokens = 5, NumScheduledTokens = 1 });
        var next = await host.Client.ExecuteAsync(decode, deadline: WorkerServiceHost.Deadline());

        Assert.Equal(1, heldAfterRefusal);
        Assert.Equal("a", Assert.Single(next.Sampled).RequestId);
    }

    /// <summary>A 5-token prompt in block 3, planned for the given instance.</summary>
    private static ExecuteRequest Prefill(long stepId, string requestId, string instanceId)
    {
        var request = new NewRequest { RequestId = requestId, NumPromptTokens = 5, NumComputedTokens = 0, NumScheduledTokens = 5 };
        request.TokenIds.AddRange([1, 2, 3, 4, 5]);
        request.BlockIds.Add(3);
        var plan = new ExecuteRequest { StepId = stepId, InstanceId = instanceId };
        plan.NewRequests.Add(request);
        return plan;
    }
}
