using Inference.Testing.Logging;
using Grpc.Core;
using Inference.Contracts.Worker.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Worker.Service;
using Worker.Tests.Support;

namespace Worker.Tests.Service;

/// <summary>Warnings and errors page an operator, so ordinary traffic (cancellations included) must not produce any.</summary>
public sealed class WorkerLoggingTests
{
    [Fact]
    public async Task NormalTraffic_LogsNothingAtWarningOrAbove()
    {
        using var logs = new CapturingLoggerProvider();
        await using var host = await WorkerServiceHost.StartAsync(logs);
        string instanceId = (await host.Client.InfoAsync(new InfoRequest(), deadline: WorkerServiceHost.Deadline())).InstanceId;

        var prefill = new ExecuteRequest { StepId = 1, InstanceId = instanceId };
        var request = new NewRequest { RequestId = "a", NumPromptTokens = 3, NumComputedTokens = 0, NumScheduledTokens = 3 };
        request.TokenIds.AddRange([1, 2, 3]);
        request.BlockIds.Add(0);
        prefill.NewRequests.Add(request);
        await host.Client.ExecuteAsync(prefill, deadline: WorkerServiceHost.Deadline());
        var decode = new ExecuteRequest { StepId = 2, InstanceId = instanceId };
        decode.CachedRequests.Add(new CachedRequest { RequestId = "a", NumComputedTokens = 3, NumScheduledTokens = 1 });
        await host.Client.ExecuteAsync(decode, deadline: WorkerServiceHost.Deadline());
        var finish = new ExecuteRequest { StepId = 3, InstanceId = instanceId };
        finish.FinishedRequestIds.Add("a");
        await host.Client.ExecuteAsync(finish, deadline: WorkerServiceHost.Deadline());
        await host.Client.HealthAsync(new HealthRequest(), deadline: WorkerServiceHost.Deadline());

        // The capture saw the worker's own logs, so an empty list below means none was a warning.
        Assert.Contains(logs.AtLeast(LogLevel.Information), log => log.Category == typeof(ModelLoader).FullName);
        Assert.Empty(logs.AtLeast(LogLevel.Warning));
    }

    [Fact]
    public async Task Execute_CallsCancelledByCallerOverTheNetwork_LogNothingAtWarningOrAbove()
    {
        using var logs = new CapturingLoggerProvider();
        await using var host = await WorkerServiceHost.StartAsync(logs);
        // A cancel that lands while gRPC still reads the request is the one that gRPC logged as an error before
        // ClientResetMiddleware (a few calls in every hundred here); where each cancel lands varies, so cancel many.
        const int calls = 100;

        for (int i = 0; i < calls; i++)
        {
            using var cancel = new CancellationTokenSource();
            using var call = host.Client.ExecuteAsync(NoOpStep(i), deadline: WorkerServiceHost.Deadline(), cancellationToken: cancel.Token);
            await BeforeCancel(i);
            cancel.Cancel();
            await AnswerOrCancellation(call.ResponseAsync);
        }
        // A cancel can land before the call left the client, so count what the server started rather than what was sent;
        // the step after them starts after theirs did, on the same connection.
        await host.Client.ExecuteAsync(new ExecuteRequest { StepId = calls }, deadline: WorkerServiceHost.Deadline());
        await logs.WaitUntilAsync(AllStartedExecuteCallsFinished, WorkerServiceHost.Timeout);

        Assert.Empty(logs.AtLeast(LogLevel.Warning));
    }

    [Fact]
    public async Task Execute_CancelledByCaller_IsCancelledAndLogsNothingAtWarningOrAbove()
    {
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        await using var host = await WorkerServiceHost.StartAsync();
        var service = new WorkerGrpcService(host.App.Services.GetRequiredService<ModelHost>(), loggerFactory.CreateLogger<WorkerGrpcService>());
        // In-process with an already-cancelled token: over the network the step usually finishes before the cancel lands.
        var context = new TestServerCallContext("/inference.worker.v1.Worker/Execute", new CancellationToken(canceled: true));
        var finish = new ExecuteRequest { StepId = 1 };
        finish.FinishedRequestIds.Add("a");

        var error = await Assert.ThrowsAsync<RpcException>(() => service.Execute(finish, context).WaitAsync(WorkerServiceHost.Timeout));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Empty(logs.AtLeast(LogLevel.Warning));
    }

    /// <summary>Spreads where the cancel lands: at once, after a hop through the thread pool, or about a millisecond later.</summary>
    private static Task BeforeCancel(int call) => (call % 3) switch
    {
        0 => Task.CompletedTask,
        1 => Task.Run(() => { }),
        _ => Task.Delay(1),
    };

    /// <summary>Waits for the call: a cancel that came too late leaves its answer, which is fine too.</summary>
    private static async Task AnswerOrCancellation(Task<ExecuteResponse> response)
    {
        try
        {
            await response.WaitAsync(WorkerServiceHost.Timeout);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
        {
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Internal && e.Status.DebugException is ObjectDisposedException)
        {
            // The client's own race: a cancel that lands while it starts the call disposes the response it was about
            // to read ("Error starting gRPC call", seen once in CI). The server side, which this test is about, is unaffected.
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && e.Status.DebugException is IOException)
        {
            // The same race one step later: the cancel resets the HTTP/2 stream the client is starting the call on
            // ("Error starting gRPC call. IOException: The request was aborted.", seen once in CI).
        }
    }

    /// <summary>A step that only finishes requests the worker never had: valid, runs nothing, and a request body of some size.</summary>
    private static ExecuteRequest NoOpStep(long stepId)
    {
        var step = new ExecuteRequest { StepId = stepId };
        step.FinishedRequestIds.AddRange(Enumerable.Range(0, 200).Select(i => $"gone-{i}"));
        return step;
    }

    private static bool AllStartedExecuteCallsFinished(IReadOnlyList<CapturedLog> logs)
    {
        int started = logs.Count(log => WorkerServiceHost.IsRequestStarting(log, "/Execute"));
        return started > 0 && logs.Count(log => WorkerServiceHost.IsRequestFinished(log, "/Execute")) == started;
    }
}
