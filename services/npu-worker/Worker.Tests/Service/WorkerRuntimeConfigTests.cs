using System.Text.Json;

namespace Worker.Tests.Service;

/// <summary>The runtime settings the worker's project asks for reach its runtimeconfig.json (a misspelt MSBuild
/// property is silently ignored: ServerGarbageCollector once left the web SDK's server GC on).</summary>
public sealed class WorkerRuntimeConfigTests
{
    [Theory]
    [InlineData("System.GC.Server")]
    [InlineData("System.GC.Concurrent")]
    public void GarbageCollector_IsWorkstationAndNonConcurrent(string setting)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Worker.Service.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));

        var value = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").GetProperty(setting);

        Assert.False(value.GetBoolean());
    }
}
