namespace Inference.Cli.Serving;

/// <summary>A service's process exited before it reported the addresses it listens on (its log says why).</summary>
/// <param name="service">The service's name.</param>
/// <param name="exitCode">The process's exit code.</param>
/// <param name="portInUse">The port its log said was already in use when it tried to bind it, if it said so.</param>
public sealed class ServiceExitedException(string service, int exitCode, int? portInUse = null)
    : InvalidOperationException($"the {service} service exited with code {exitCode} during start-up (its log is above)")
{
    public string Service { get; } = service;

    public int ExitCode { get; } = exitCode;

    /// <summary>The port the service could not bind because another socket had it (Kestrel's "address already in use").</summary>
    public int? PortInUse { get; } = portInUse;
}
