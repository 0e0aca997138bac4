using System.Reflection;

namespace Inference.Cli.Serving;

/// <summary>
/// Where the four services' executables are. This program's project builds them alongside itself
/// (ProjectReference without referencing their assemblies), so they sit in their own bin folders.
/// </summary>
public sealed record ServiceBinaries(string Tokenizer, string Worker, string Scheduler, string Gateway)
{
    public static ServiceBinaries FromBuild()
    {
        var metadata = typeof(ServiceBinaries).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .ToDictionary(a => a.Key, a => a.Value);
        var root = metadata["RepositoryRoot"] ?? throw new InvalidOperationException("RepositoryRoot metadata missing");
        var configuration = metadata["Configuration"] ?? "Debug";

        string Exe(string folder, string project) =>
            Path.GetFullPath(Path.Combine(root, "services", folder, project, "bin", configuration, "net10.0", project));

        return new ServiceBinaries(
            Exe("tokenizer", "Tokenizer.Service"),
            Exe("npu-worker", "Worker.Service"),
            Exe("scheduler", "Scheduler.Service"),
            Exe("openai-gateway", "Gateway"));
    }
}
