using Worker.Runtime.Lora;

namespace Worker.Service;

/// <summary>
/// Worker:LoraModules in vLLM's --lora-modules form: entries name=path separated by spaces or commas
/// ("sql=/adapters/sql chat=/adapters/chat"). A path holding a space or a comma cannot be written this way.
/// </summary>
public static class LoraModulesOption
{
    private static readonly char[] Separators = [' ', ',', '\t', '\n', '\r'];

    /// <summary>The entries, and a message (naming Worker:LoraModules) for each that is not name=path with both parts.</summary>
    public static (IReadOnlyList<LoraModule> Modules, IReadOnlyList<string> Errors) Parse(string? text)
    {
        var modules = new List<LoraModule>();
        var errors = new List<string>();
        foreach (string entry in (text ?? "").Split(Separators, StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                errors.Add($"Worker:LoraModules entry '{entry}' must be name=path.");
                continue;
            }

            string name = entry[..equals], path = entry[(equals + 1)..];
            if (name.Length == 0 || path.Length == 0)
            {
                errors.Add($"Worker:LoraModules entry '{entry}' needs both a name and a path (name=path).");
                continue;
            }

            modules.Add(new LoraModule(name, path));
        }

        return (modules, errors);
    }
}
