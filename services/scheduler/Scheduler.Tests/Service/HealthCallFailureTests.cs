using Grpc.Core;
using Scheduler.Service.Adapters;

namespace Scheduler.Tests.Service;

/// <summary>The reason a failed health call gives in the scheduler's log lines: never empty.</summary>
public sealed class HealthCallFailureTests
{
    [Fact]
    public void Describe_DeadlineExceeded_TellsTheWaitThatRanOut()
    {
        var ex = new RpcException(new Status(StatusCode.DeadlineExceeded, ""));

        Assert.Equal("no answer within 2 s", HealthCallFailure.Describe(ex, TimeSpan.FromSeconds(2)));
        Assert.Equal("no answer within 0.5 s", HealthCallFailure.Describe(ex, TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public void Describe_OtherStatus_TellsCodeAndDetail()
    {
        var ex = new RpcException(new Status(StatusCode.Unavailable, "Error connecting to subchannel."));

        Assert.Equal("Unavailable: Error connecting to subchannel.", HealthCallFailure.Describe(ex, TimeSpan.FromSeconds(2)));
    }
}
