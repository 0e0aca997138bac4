namespace Inference.Cli.Serving;

/// <summary>A service's process exited before it reported the addresses it listens on (its log says why).</summary>
public sealed class ServiceExitedException(string service)
    : InvalidOperationException($"the {service} service exited during start-up (its log is above)")
{
    public string Service { get; } = service;
}
