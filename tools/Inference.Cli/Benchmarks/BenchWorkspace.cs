using Inference.Cli.CommandLine;
using Inference.Testing.Checkpoints;

namespace Inference.Cli.Benchmarks;

/// <summary>
/// Where `bench` keeps what it makes: the random checkpoint (when no --model is given) and the GGUF files of each
/// checkpoint, each remade only when missing or older than the checkpoint it comes from.
/// </summary>
public sealed class BenchWorkspace(string root)
{
    public string Root { get; } = root;

    /// <summary>$XDG_CACHE_HOME (else ~/.cache)/dotnet-llm-serving/bench.</summary>
    public static string DefaultRoot()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "dotnet-llm-serving", "bench");
    }

    /// <summary>The random checkpoint of a preset (seed 0), written once.</summary>
    public string RandomCheckpoint(string preset, Action<string> progress)
    {
        var directory = Path.Combine(Root, $"{preset}-random-seed0");
        if (File.Exists(Path.Combine(directory, "model.safetensors")) && File.Exists(Path.Combine(directory, "tokenizer.json")))
        {
            return directory;
        }

        progress($"writing the random {preset} checkpoint to {directory}");
        var staging = directory + ".partial";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        using (var bar = new ConsoleProgress("make-model"))
        {
            RandomCheckpointWriter.Write(staging, RandomModelSpec.FromPreset(preset, 0), bar);
        }

        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.Move(staging, directory);
        return directory;
    }

    /// <summary>The path of a checkpoint's GGUF in a format, and whether it must be (re)made.</summary>
    public (string Path, bool Stale) Gguf(string modelDirectory, string format)
    {
        string name = new DirectoryInfo(Path.GetFullPath(modelDirectory)).Name;
        string path = Path.Combine(Root, "gguf", $"{name}-{format}.gguf");
        var newestInput = Directory.GetFiles(modelDirectory).Max(File.GetLastWriteTimeUtc);
        return (path, !File.Exists(path) || File.GetLastWriteTimeUtc(path) < newestInput);
    }
}
