using System.Text.Json;

namespace Worker.Runtime.Lora;

/// <summary>
/// A PEFT adapter_config.json, as far as serving a plain LoRA needs it. Fields that change what the adapter computes
/// in ways this worker does not implement (DoRA, trained biases, per-module ranks, extra trained modules...) are
/// refused by name rather than ignored, so an adapter never serves silently different outputs.
/// </summary>
/// <param name="Rank">r.</param>
/// <param name="Alpha">lora_alpha.</param>
/// <param name="UseRsLora">use_rslora: the scale is alpha / sqrt(r) (rank-stabilized LoRA) instead of alpha / r.</param>
public sealed record LoraAdapterConfig(int Rank, double Alpha, bool UseRsLora, LoraTargetModules TargetModules)
{
    public const string FileName = "adapter_config.json";

    /// <summary>The factor of B A in y = W x + scale * B A x.</summary>
    public float Scale => (float)(UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank);

    /// <exception cref="FileNotFoundException">adapter_config.json is missing.</exception>
    /// <exception cref="InvalidDataException">A field is invalid or not supported (the message names it and the file).</exception>
    public static LoraAdapterConfig Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"LoRA adapter {folder} has no {FileName}.", path);
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return Read(document.RootElement, path);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    private static LoraAdapterConfig Read(JsonElement root, string path)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{path}: expected a JSON object.");
        }

        var fields = new ConfigFields(root, path);
        string peftType = fields.String("peft_type") ?? "LORA";
        fields.Require(peftType == "LORA", "peft_type", $"is '{peftType}'; only LORA adapters are served");
        fields.Require(!fields.Bool("use_dora"), "use_dora", "is true; DoRA adapters are not supported");
        string bias = fields.String("bias") ?? "none";
        fields.Require(bias == "none", "bias", $"is '{bias}'; only adapters without trained biases (\"none\") are supported");
        fields.Require(!fields.Bool("lora_bias"), "lora_bias", "is true; a bias on lora_B is not supported");
        fields.Require(!fields.Bool("fan_in_fan_out"), "fan_in_fan_out", "is true; only nn.Linear layouts (false) are supported");
        fields.Require(fields.IsUnset("modules_to_save"), "modules_to_save", "is set; adapters that train whole modules are not supported");
        fields.Require(fields.IsUnset("layers_to_transform"), "layers_to_transform", "is set; adapters restricted to some layers are not supported");
        fields.Require(fields.IsUnset("layers_pattern"), "layers_pattern", "is set; adapters restricted to some layers are not supported");
        fields.Require(fields.IsUnset("rank_pattern"), "rank_pattern", "is set; per-module ranks are not supported");
        fields.Require(fields.IsUnset("alpha_pattern"), "alpha_pattern", "is set; per-module alphas are not supported");
        fields.Require(fields.IsUnset("exclude_modules"), "exclude_modules", "is set; excluding modules is not supported");
        fields.Require(fields.IsUnset("target_parameters"), "target_parameters", "is set; adapters on parameters are not supported");
        fields.Require(fields.IsUnset("layer_replication"), "layer_replication", "is set; adapters that replicate layers are not supported");
        fields.Require(fields.IsUnset("trainable_token_indices"), "trainable_token_indices", "is set; adapters that train embedding rows are not supported");

        // PEFT's LoraConfig defaults: r = 8, lora_alpha = 8.
        int rank = fields.Int("r") ?? 8;
        fields.Require(rank > 0, "r", $"must be > 0, got {rank}");
        double alpha = fields.Number("lora_alpha") ?? 8;
        fields.Require(double.IsFinite(alpha), "lora_alpha", "must be a finite number");
        bool rsLora = fields.Bool("use_rslora");
        return new LoraAdapterConfig(rank, alpha, rsLora, ReadTargets(root, path));
    }

    private static LoraTargetModules ReadTargets(JsonElement root, string path)
    {
        if (!root.TryGetProperty("target_modules", out var targets) || targets.ValueKind == JsonValueKind.Null)
        {
            throw new InvalidDataException($"{path}: target_modules is missing; name the modules the adapter changes.");
        }

        if (targets.ValueKind == JsonValueKind.String)
        {
            return LoraTargetModules.FromString(targets.GetString()!, path);
        }

        if (targets.ValueKind == JsonValueKind.Array && targets.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
        {
            var entries = targets.EnumerateArray().Select(e => e.GetString()!).ToList();
            if (entries.Count == 0)
            {
                throw new InvalidDataException($"{path}: target_modules is empty; name the modules the adapter changes.");
            }

            return LoraTargetModules.FromList(entries, path);
        }

        throw new InvalidDataException($"{path}: target_modules must be a list of module names or a string, got {targets.ValueKind}.");
    }

    /// <summary>Typed reads of optional fields; a wrong type is an error naming the field.</summary>
    private readonly struct ConfigFields(JsonElement root, string path)
    {
        public void Require(bool condition, string field, string problem)
        {
            if (!condition)
            {
                throw new InvalidDataException($"{path}: {field} {problem}.");
            }
        }

        /// <summary>Absent, null, false, or an empty list, object or string: the field asks for nothing.</summary>
        public bool IsUnset(string field) =>
            !root.TryGetProperty(field, out var value) || value.ValueKind switch
            {
                JsonValueKind.Null or JsonValueKind.False => true,
                JsonValueKind.Array => value.GetArrayLength() == 0,
                JsonValueKind.Object => !value.EnumerateObject().Any(),
                JsonValueKind.String => value.GetString()!.Length == 0,
                _ => false,
            };

        public string? String(string field) => Get(field) is { } value
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw Wrong(field, "a string")
            : null;

        public bool Bool(string field) => Get(field) is { } value
            && (value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw Wrong(field, "true or false"));

        public int? Int(string field) => Get(field) is { } value
            ? value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) ? n : throw Wrong(field, "an integer")
            : null;

        public double? Number(string field) => Get(field) is { } value
            ? value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw Wrong(field, "a number")
            : null;

        private JsonElement? Get(string field) =>
            root.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

        private InvalidDataException Wrong(string field, string expected) => new($"{path}: {field} must be {expected}.");
    }
}
