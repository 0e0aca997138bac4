using Microsoft.Extensions.Options;

namespace Scheduler.Service.Configuration;

/// <summary>Fails start-up with messages naming each bad setting by its configuration key.</summary>
public sealed class SchedulerOptionsValidator : IValidateOptions<SchedulerOptions>
{
    public ValidateOptionsResult Validate(string? name, SchedulerOptions options)
    {
        var failures = new List<string>();
        const string prefix = SchedulerOptions.SectionName + ":";
        if (!IsHttpUrl(options.TokenizerAddress))
        {
            failures.Add($"{prefix}{nameof(options.TokenizerAddress)} must be an absolute http(s) URL such as http://127.0.0.1:50051, got '{options.TokenizerAddress}'.");
        }

        for (var i = 0; i < options.WorkerAddresses.Length; i++)
        {
            if (!IsHttpUrl(options.WorkerAddresses[i]))
            {
                failures.Add($"{prefix}{nameof(options.WorkerAddresses)}:{i} must be an absolute http(s) URL, got '{options.WorkerAddresses[i]}'.");
            }
        }

        if (options.MaxNumSeqs < 1)
        {
            failures.Add($"{prefix}{nameof(options.MaxNumSeqs)} must be at least 1, got {options.MaxNumSeqs}.");
        }

        if (options.MaxNumBatchedTokens < 1)
        {
            failures.Add($"{prefix}{nameof(options.MaxNumBatchedTokens)} must be at least 1, got {options.MaxNumBatchedTokens}.");
        }

        if (options.MaxModelLength is < 2)
        {
            failures.Add($"{prefix}{nameof(options.MaxModelLength)} must be at least 2, got {options.MaxModelLength}.");
        }

        if (!(options.StatsIntervalSeconds > 0))
        {
            failures.Add($"{prefix}{nameof(options.StatsIntervalSeconds)} must be greater than 0, got {options.StatsIntervalSeconds}.");
        }

        if (!(options.WorkerHealthIntervalSeconds > 0))
        {
            failures.Add($"{prefix}{nameof(options.WorkerHealthIntervalSeconds)} must be greater than 0, got {options.WorkerHealthIntervalSeconds}.");
        }

        if (options.WorkerHealthFailureThreshold < 1)
        {
            failures.Add($"{prefix}{nameof(options.WorkerHealthFailureThreshold)} must be at least 1, got {options.WorkerHealthFailureThreshold}.");
        }

        if (options.MaxLoras is < 1)
        {
            failures.Add($"{prefix}{nameof(options.MaxLoras)} must be at least 1 when set, got {options.MaxLoras}.");
        }

        if (!string.IsNullOrWhiteSpace(options.SpeculativeConfig))
        {
            try
            {
                Core.Speculation.SpeculativeConfig.Parse(options.SpeculativeConfig);
            }
            catch (ArgumentException e)
            {
                failures.Add($"{prefix}{nameof(options.SpeculativeConfig)}: {e.Message}");
            }
        }

        if (options.MaxLoraRank is < 1)
        {
            failures.Add($"{prefix}{nameof(options.MaxLoraRank)} must be at least 1 when set, got {options.MaxLoraRank}.");
        }

        if (options.MaxConcurrentRequests < 1)
        {
            failures.Add($"{prefix}{nameof(options.MaxConcurrentRequests)} must be at least 1, got {options.MaxConcurrentRequests}.");
        }

        if (options.BalanceThreshold < 0)
        {
            failures.Add($"{prefix}{nameof(options.BalanceThreshold)} must be at least 0, got {options.BalanceThreshold}.");
        }

        if (!Enum.IsDefined(options.Placement))
        {
            failures.Add($"{prefix}{nameof(options.Placement)} must be Prefix, LeastLoaded or RoundRobin, got {options.Placement}.");
        }

        if (!(options.StepTimeoutSeconds > 0))
        {
            failures.Add($"{prefix}{nameof(options.StepTimeoutSeconds)} must be greater than 0, got {options.StepTimeoutSeconds}.");
        }

        if (!(options.StepTimeoutMsPerToken >= 0))
        {
            failures.Add($"{prefix}{nameof(options.StepTimeoutMsPerToken)} must be at least 0, got {options.StepTimeoutMsPerToken}.");
        }

        if (!(options.NoWorkerTimeoutSeconds >= 0))
        {
            failures.Add($"{prefix}{nameof(options.NoWorkerTimeoutSeconds)} must be at least 0, got {options.NoWorkerTimeoutSeconds}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
