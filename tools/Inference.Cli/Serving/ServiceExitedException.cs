namespace Inference.Cli.Serving;

/// <summary>A service's process exited before it reported the addresses it listens on (its log says why).</summary>
public sealed class ServiceExitedException(string service, int exitCode)
    : InvalidOperationException($"the {service} service exited with code {exitCode} during start-up (its log is above)")
{
    public string Service { get; } = service;

    public int ExitCode { get; } = exitCode;
}
