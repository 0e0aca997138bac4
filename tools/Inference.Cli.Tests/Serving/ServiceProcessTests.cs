using Inference.Cli.Serving;
using Inference.Cli.Tests.Support;

namespace Inference.Cli.Tests.Serving;

/// <summary>serve learns where a service bound port 0 from its "Listening on" line; a script stands in for the service.</summary>
public sealed class ServiceProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Addresses_AreReadFromTheListeningLine_AndTheLineIsStillForwarded()
    {
        using var directory = new TemporaryDirectory();
        var executable = ServiceScript.Write(directory, """
            echo "12:00:00 info: Something.Else[3] Starting"
            echo "12:00:01 info: Inference.ServiceDefaults.Hosting.ListeningAddressLog[1] Listening on: http://127.0.0.1:41235, http://127.0.0.1:41236"
            exec sleep 30
            """);
        var log = new StringWriter();
        await using var process = ServiceProcess.Start(new ServiceSpec("fake", executable, new Dictionary<string, string>()), TextWriter.Synchronized(log));

        var addresses = await process.Addresses.WaitAsync(Timeout);

        Assert.Equal([new Uri("http://127.0.0.1:41235"), new Uri("http://127.0.0.1:41236")], addresses);
        Assert.Contains("[fake] 12:00:01 info: Inference.ServiceDefaults.Hosting.ListeningAddressLog[1] Listening on:", log.ToString());
    }

    /// <summary>
    /// A service that exits before it listens fails <see cref="ServiceProcess.Addresses"/> naming it and its exit code,
    /// and the port Kestrel said was taken when that is why (serve then starts the gateway again on another).
    /// </summary>
    [Theory]
    [InlineData("Unhandled exception. System.IO.IOException: Failed to bind to address http://127.0.0.1:8000: address already in use.", 134, 8000)]
    [InlineData("Unhandled exception. System.IO.FileNotFoundException: model.safetensors", 1, null)]
    public async Task Addresses_FailNamingTheServiceItsExitCodeAndAnyPortInUse_WhenItExitsBeforeListening(string error, int exitCode, int? portInUse)
    {
        using var directory = new TemporaryDirectory();
        var executable = ServiceScript.Write(directory, $"""
            echo "{error}" >&2
            exit {exitCode}
            """);
        await using var process = ServiceProcess.Start(new ServiceSpec("scheduler", executable, new Dictionary<string, string>()), TextWriter.Null);

        var exited = await Assert.ThrowsAsync<ServiceExitedException>(() => process.Addresses.WaitAsync(Timeout));

        Assert.Equal("scheduler", exited.Service);
        Assert.Equal(exitCode, exited.ExitCode);
        Assert.Equal(portInUse, exited.PortInUse);
    }

    [Fact]
    public async Task TheListeningLine_IsKeptAtInformation_WhateverTheUsersLogLevels()
    {
        using var directory = new TemporaryDirectory();
        // The variable's name has dots: the shell does not pass it on to env, but its own environment has it.
        var executable = ServiceScript.Write(directory, "tr '\\0' '\\n' < /proc/$$/environ | grep '^Logging__'");
        var log = new StringWriter();
        await using var process = ServiceProcess.Start(new ServiceSpec("fake", executable, new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Warning",
        }), TextWriter.Synchronized(log));
        using var timeout = new CancellationTokenSource(Timeout);
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(log.ToString().Contains($"[fake] {ServiceProcess.ListeningLogLevelVariable}=Information", StringComparison.Ordinal), log.ToString());
    }
}
