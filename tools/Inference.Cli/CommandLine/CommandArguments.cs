using System.Globalization;

namespace Inference.Cli.CommandLine;

/// <summary>
/// The options of one command: `--name value`, `--name=value`, `--name value value...` (a list option) and boolean
/// `--flag`, with underscores in a name read as dashes (`--max_model_len` is `--max-model-len`), as vLLM's parser reads them. Each option is read once by name;
/// whatever remains unread is reported as unknown, so a typo fails instead of being ignored.
/// </summary>
public sealed class CommandArguments
{
    private readonly Dictionary<string, List<string?>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private CommandArguments() { }

    public static CommandArguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new CommandArguments();
        List<string?>? previous = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                // A further value of the option before it, as vLLM's list options take them (--lora-modules a=x b=y);
                // an option read as one value refuses the extra one by name.
                if (previous is null || arg.Length == 2 || previous[^1] is null)
                    throw new UsageException($"unexpected argument '{arg}': options start with --");
                previous.Add(arg);
                continue;
            }

            string name;
            string? value;
            var eq = arg.IndexOf('=');
            if (eq > 0)
            {
                name = arg[2..eq];
                value = arg[(eq + 1)..];
            }
            else
            {
                name = arg[2..];
                // A following token that is not an option is this option's value; flags take none.
                value = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
            }

            name = name.Replace('_', '-');
            if (!parsed._values.TryGetValue(name, out var list))
                parsed._values[name] = list = [];
            list.Add(value);
            previous = list;
        }
        return parsed;
    }

    public bool Flag(string name)
    {
        if (!_values.TryGetValue(name, out var list)) return false;
        _read.Add(name);
        if (list.Any(v => v is not null && v is not ("true" or "false")))
            throw new UsageException($"--{name} is a flag and takes no value");
        return list[^1] is null or "true";
    }

    public string? String(string name)
    {
        var all = Strings(name);
        if (all.Count > 1) throw new UsageException($"--{name} takes one value, got {all.Count}: {string.Join(' ', all)}");
        return all.Count == 0 ? null : all[0];
    }

    public string RequiredString(string name) =>
        String(name) ?? throw new UsageException($"--{name} is required");

    public IReadOnlyList<string> Strings(string name)
    {
        if (!_values.TryGetValue(name, out var list)) return [];
        _read.Add(name);
        return list.Select(v => v ?? throw new UsageException($"--{name} needs a value")).ToList();
    }

    public int? Int(string name, int min = int.MinValue, int max = int.MaxValue) =>
        Number(name, s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null, min, max, "an integer");

    public ulong? ULong(string name) =>
        Number(name, s => ulong.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null, 0UL, ulong.MaxValue, "a non-negative integer");

    public float? Float(string name, float min = float.MinValue, float max = float.MaxValue) =>
        Number(name, s => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v) ? v : null, min, max, "a number");

    public double? Double(string name, double min = double.MinValue, double max = double.MaxValue) =>
        Number(name, s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null, min, max, "a number");

    /// <summary>Fails on any option no command code asked for.</summary>
    public void EnsureAllRead()
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).Select(k => "--" + k).ToList();
        if (unknown.Count > 0) throw new UsageException($"unknown option {string.Join(", ", unknown)}");
    }

    private T? Number<T>(string name, Func<string, T?> parse, T min, T max, string what)
        where T : struct, IComparable<T>
    {
        var text = String(name);
        if (text is null) return null;
        var value = parse(text) ?? throw new UsageException($"--{name} must be {what}, got '{text}'");
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            // Bounds left at the type's limits are not worth printing: "at least 1" reads better than "1 and 2147483647".
            var range = Unbounded(max) ? $"at least {min}" : Unbounded(min) ? $"at most {max}" : $"between {min} and {max}";
            throw new UsageException($"--{name} must be {range}, got {text}");
        }
        return value;
    }

    private static bool Unbounded<T>(T bound) => bound switch
    {
        int i => i is int.MinValue or int.MaxValue,
        ulong u => u is ulong.MinValue or ulong.MaxValue,
        float f => f is float.MinValue or float.MaxValue,
        double d => d is double.MinValue or double.MaxValue,
        _ => false,
    };
}

/// <summary>The command line is wrong; the message says how.</summary>
public sealed class UsageException(string message) : Exception(message);
