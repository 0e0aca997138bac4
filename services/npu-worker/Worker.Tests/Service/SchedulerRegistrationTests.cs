using Inference.Contracts.Worker.V1;
using Worker.Tests.Support;

namespace Worker.Tests.Service;

public sealed class SchedulerRegistrationTests
{
    [Fact]
    public async Task RegisterWorker_SendsTheInstanceIdInfoReports()
    {
        await using var scheduler = await FakeSchedulerRegistry.StartAsync();
        await using var worker = await WorkerServiceHost.StartAsync(extraArgs: $"--Worker:SchedulerAddress={scheduler.Address}");

        var registration = await scheduler.FirstRegistration.WaitAsync(WorkerServiceHost.Timeout);
        var info = await worker.Client.InfoAsync(new InfoRequest(), deadline: WorkerServiceHost.Deadline());

        Assert.Equal(info.InstanceId, registration.InstanceId);
        Assert.Equal(worker.App.Urls.First(), registration.Address);
    }
}
