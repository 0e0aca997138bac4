using Inference.Abstractions.Execution;

namespace Inference.Cli.Commands;

/// <summary>
/// `generate --lora`: every request of the offline run uses the one adapter. The request's GenerationParams.LoraName
/// is set too, but the scheduler core on this branch does not yet copy it onto NewRequestData.LoraName (that change is
/// the scheduler's), so new requests are stamped here on their way to the runner. Once the scheduler fills it, this
/// only repeats the same name.
/// </summary>
public sealed class AdapterForEveryRequest(IStepExecutor runner, string loraName) : IStepExecutor
{
    public ExecutorInfo Info => runner.Info;

    public Task<StepResult> ExecuteAsync(StepPlan plan, CancellationToken cancellationToken) =>
        runner.ExecuteAsync(
            plan.NewRequests.Count == 0 ? plan : plan with { NewRequests = [.. plan.NewRequests.Select(r => r with { LoraName = r.LoraName ?? loraName })] },
            cancellationToken);
}
