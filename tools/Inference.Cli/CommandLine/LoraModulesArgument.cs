using System.Text.Json;
using Worker.Runtime.Lora;

namespace Inference.Cli.CommandLine;

/// <summary>
/// vLLM's `--lora-modules`: one or more `name=path` entries, or JSON objects `{"name": ..., "path": ...}`, after one
/// option or several. The folders are checked here (each needs an adapter_config.json), so a typo fails before any
/// service starts; the workers load them (Worker:LoraModules).
/// </summary>
public static class LoraModulesArgument
{
    /// <exception cref="UsageException">An entry is malformed, a name repeats or a folder is not a PEFT adapter.</exception>
    /// <param name="servedModelName">The base model's served name: an entry's base_model_name must be it.</param>
    /// <param name="entries">The option's values (<c>args.Strings("lora-modules")</c>).</param>
    /// <param name="maxLoraRank">vLLM's --max-lora-rank: an adapter of a higher r is refused; null: any rank.</param>
    public static IReadOnlyList<LoraModule> Parse(IReadOnlyList<string> entries, string servedModelName, int? maxLoraRank = null)
    {
        var modules = new List<LoraModule>();
        foreach (var entry in entries)
        {
            var (module, baseModel) = entry.TrimStart().StartsWith('{') ? FromJson(entry) : (FromPair(entry), null);
            // vLLM's base_model_name names the model the adapter was trained for, its /v1/models parent: the served one.
            if (baseModel is not null && baseModel != servedModelName)
                throw new UsageException($"--lora-modules: {module.Name}: base_model_name '{baseModel}' is not the served model '{servedModelName}'; adapters apply to the served model only");
            if (module.Name == servedModelName)
                throw new UsageException($"--lora-modules: '{module.Name}' is the served model's own name; give the adapter a name of its own");
            if (modules.Any(m => m.Name == module.Name))
                throw new UsageException($"--lora-modules: the name '{module.Name}' is given twice");
            // The worker's setting separates entries by spaces or commas, so neither may appear in a name or a path.
            if (module.Name.Any(c => char.IsWhiteSpace(c) || c is ',' or '=') || module.Path.Any(c => char.IsWhiteSpace(c) || c == ','))
                throw new UsageException($"--lora-modules: '{entry}': a name may not hold spaces, commas or '=', a path neither spaces nor commas");
            var path = System.IO.Path.GetFullPath(module.Path);
            if (!File.Exists(System.IO.Path.Combine(path, "adapter_config.json")))
                throw new UsageException($"--lora-modules: {module.Name}: {path} has no adapter_config.json (expected a PEFT LoRA adapter folder)");
            if (maxLoraRank is { } maxRank && ReadRank(module.Name, path) is var rank && rank > maxRank)
                throw new UsageException($"--lora-modules: {module.Name}: its rank {rank} is greater than --max-lora-rank {maxRank}");
            modules.Add(module with { Path = path });
        }

        return modules;
    }

    private static int ReadRank(string name, string path)
    {
        try
        {
            return LoraAdapterConfig.Load(path).Rank;
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"--lora-modules: {name}: {e.Message}");
        }
    }

    private static LoraModule FromPair(string entry)
    {
        var eq = entry.IndexOf('=');
        if (eq <= 0 || eq == entry.Length - 1)
            throw new UsageException($"--lora-modules: '{entry}' is not name=path (or a JSON object with name and path)");
        return new LoraModule(entry[..eq], entry[(eq + 1)..]);
    }

    private static (LoraModule Module, string? BaseModelName) FromJson(string entry)
    {
        try
        {
            using var document = JsonDocument.Parse(entry);
            var root = document.RootElement;
            string? Text(string field) => root.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("name" or "path" or "base_model_name"))
                    throw new UsageException($"--lora-modules: '{entry}': unknown field '{property.Name}' (name, path and base_model_name are read)");
            }

            var name = Text("name") is { Length: > 0 } n ? n : throw new UsageException($"--lora-modules: '{entry}' needs a string 'name'");
            var path = Text("path") is { Length: > 0 } p ? p : throw new UsageException($"--lora-modules: '{entry}' needs a string 'path'");
            return (new LoraModule(name, path), Text("base_model_name"));
        }
        catch (JsonException e)
        {
            throw new UsageException($"--lora-modules: '{entry}' is not valid JSON: {e.Message}");
        }
    }
}
