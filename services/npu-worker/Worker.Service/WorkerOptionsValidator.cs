using Microsoft.Extensions.Options;
using Worker.Runtime.Embeddings;
using Worker.Runtime.Models;
using Worker.Runtime.Kv;
using Worker.Runtime.Ops.Quantization;

namespace Worker.Service;

/// <summary>Fails start with messages naming the bad key (Worker:Key).</summary>
public sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.ModelPath))
        {
            errors.Add("Worker:ModelPath is required (a Hugging Face model folder or a .gguf file).");
        }
        else if (!Directory.Exists(o.ModelPath) && !File.Exists(o.ModelPath))
        {
            errors.Add($"Worker:ModelPath '{o.ModelPath}' does not exist.");
        }

        if (o.BlockSize is < 1 or > 1024)
        {
            errors.Add($"Worker:BlockSize must be in [1, 1024], got {o.BlockSize}.");
        }

        if (o.NumBlocks is < 1)
        {
            errors.Add($"Worker:NumBlocks must be >= 1 when set, got {o.NumBlocks}.");
        }

        if (o.KvCacheMiB < 1)
        {
            errors.Add($"Worker:KvCacheMiB must be >= 1, got {o.KvCacheMiB}.");
        }

        if (o.MaxModelLength is < 1)
        {
            errors.Add($"Worker:MaxModelLength must be >= 1 when set, got {o.MaxModelLength}.");
        }

        if (o.Threads < 1)
        {
            errors.Add($"Worker:Threads must be >= 1, got {o.Threads}.");
        }

        if (o.MaxPromptLogprobRows < 1)
        {
            errors.Add($"Worker:MaxPromptLogprobRows must be >= 1, got {o.MaxPromptLogprobRows}.");
        }

        if (o.Device != "cpu" && !o.Device.StartsWith("cpu:", StringComparison.Ordinal))
        {
            errors.Add($"Worker:Device '{o.Device}' is not supported; this build has the CPU backend (\"cpu:N\").");
        }

        if (!KvCacheDTypeNames.TryParse(o.KvCacheDtype, out _))
        {
            errors.Add($"Worker:KvCacheDtype must be one of {string.Join(", ", KvCacheDTypeNames.All)}, got '{o.KvCacheDtype}'.");
        }

        if (!WeightQuantizationNames.TryParse(o.Quantization, out _))
        {
            errors.Add($"Worker:Quantization must be one of {string.Join(", ", WeightQuantizationNames.All)}, got '{o.Quantization}'.");
        }

        if (!string.IsNullOrWhiteSpace(o.PoolerConfig) && o.PoolerConfig is { } pooler)
        {
            try
            {
                PoolerOverride.Parse(pooler);
            }
            catch (ArgumentException e)
            {
                errors.Add($"Worker:PoolerConfig: {e.Message}.");
            }
        }

        if (!string.IsNullOrWhiteSpace(o.HfOverrides) && o.HfOverrides is { } overrides)
        {
            try
            {
                HfOverrides.Parse(overrides);
            }
            catch (ArgumentException e)
            {
                errors.Add($"Worker:HfOverrides: {e.Message}.");
            }
        }

        CheckLoraModules(o, errors);
        CheckUri(o.SchedulerAddress, "Worker:SchedulerAddress", errors);
        CheckUri(o.AdvertisedAddress, "Worker:AdvertisedAddress", errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckLoraModules(WorkerOptions o, List<string> errors)
    {
        var (modules, parseErrors) = LoraModulesOption.Parse(o.LoraModules);
        errors.AddRange(parseErrors);
        string? servedName = ServedModelName(o);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var module in modules)
        {
            if (!names.Add(module.Name))
            {
                errors.Add($"Worker:LoraModules names '{module.Name}' more than once.");
            }

            if (module.Name == servedName)
            {
                errors.Add($"Worker:LoraModules name '{module.Name}' is the served model name; an adapter needs a model name of its own.");
            }

            if (!Directory.Exists(module.Path))
            {
                errors.Add($"Worker:LoraModules path '{module.Path}' of '{module.Name}' is not a folder.");
            }
        }
    }

    /// <summary>The name Info will report: Worker:ServedModelName, the host folder's, or the model folder's (a GGUF file's without .gguf).</summary>
    private static string? ServedModelName(WorkerOptions o)
    {
        if (ModelLoader.ServedModelNameOf(o) is { } name)
        {
            return name;
        }

        if (string.IsNullOrWhiteSpace(o.ModelPath))
        {
            return null;
        }

        return o.ModelPath.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) && File.Exists(o.ModelPath)
            ? Path.GetFileNameWithoutExtension(o.ModelPath)
            : new DirectoryInfo(Path.GetFullPath(o.ModelPath)).Name;
    }

    private static void CheckUri(string? value, string key, List<string> errors)
    {
        if (!string.IsNullOrEmpty(value) && !Uri.TryCreate(value, UriKind.Absolute, out _))
        {
            errors.Add($"{key} must be an absolute URI such as http://127.0.0.1:50052, got '{value}'.");
        }
    }
}
