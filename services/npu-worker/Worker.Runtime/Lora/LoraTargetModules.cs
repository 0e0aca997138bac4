using System.Text.RegularExpressions;

namespace Worker.Runtime.Lora;

/// <summary>
/// adapter_config.json's target_modules, matched as PEFT matches it against a module's qualified name
/// ("model.layers.3.self_attn.q_proj"): a list selects a module whose name equals an entry or ends with "." + entry;
/// the string "all-linear" selects every linear module but the output layer; any other string is a regular
/// expression that must match the whole name.
/// </summary>
public sealed class LoraTargetModules
{
    private const string AllLinear = "all-linear";
    private readonly IReadOnlyList<string>? _entries;
    private readonly Regex? _pattern;

    private LoraTargetModules(IReadOnlyList<string>? entries, Regex? pattern, string text)
    {
        _entries = entries;
        _pattern = pattern;
        Text = text;
    }

    /// <summary>The field as written, for logs and messages.</summary>
    public string Text { get; }

    /// <exception cref="InvalidDataException">An entry names a module outside the seven projections (the message names it).</exception>
    public static LoraTargetModules FromList(IReadOnlyList<string> entries, string configPath)
    {
        foreach (string entry in entries)
        {
            string last = entry[(entry.LastIndexOf('.') + 1)..];
            if (!LoraTargets.TryParse(last, out _))
            {
                throw new InvalidDataException(
                    $"{configPath}: target_modules entry '{entry}' is not supported; adapters may target only {Supported}.");
            }
        }

        return new LoraTargetModules(entries, null, "[" + string.Join(", ", entries) + "]");
    }

    /// <exception cref="InvalidDataException">The expression is invalid, or selects the embedding or the LM head.</exception>
    public static LoraTargetModules FromString(string text, string configPath)
    {
        if (string.Equals(text, AllLinear, StringComparison.OrdinalIgnoreCase))
        {
            return new LoraTargetModules(null, null, AllLinear);
        }

        Regex pattern;
        try
        {
            // Python's re.fullmatch: the expression must cover the whole name.
            pattern = new Regex($@"\A(?:{text})\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{configPath}: target_modules '{text}' is not a valid regular expression: {e.Message}", e);
        }

        foreach (string other in (string[])["model.embed_tokens", "lm_head"])
        {
            if (pattern.IsMatch(other))
            {
                throw new InvalidDataException(
                    $"{configPath}: target_modules '{text}' selects {other}; adapters may target only {Supported}.");
            }
        }

        return new LoraTargetModules(null, pattern, text);
    }

    /// <summary>Whether the adapter changes <paramref name="target"/> of layer <paramref name="layer"/>.</summary>
    public bool Selects(LoraTarget target, int layer)
    {
        if (_pattern is not null)
        {
            return _pattern.IsMatch(target.QualifiedName(layer));
        }

        if (_entries is null)
        {
            return true;    // all-linear: the seven projections are every linear module but lm_head
        }

        string name = target.QualifiedName(layer);
        foreach (string entry in _entries)
        {
            if (name == entry || name.EndsWith("." + entry, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string Supported => string.Join(", ", LoraTargets.All.Select(t => t.ModuleName()));
}
