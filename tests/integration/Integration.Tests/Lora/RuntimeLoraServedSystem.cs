namespace Integration.Tests.Lora;

/// <summary>
/// `serve --workers 2 --enable-lora --max-lora-rank 8` with VLLM_ALLOW_RUNTIME_LORA_UPDATING=true and no adapters at
/// start: `make-lora` folders wait beside the model to be loaded through the API, as vLLM's users load theirs. The
/// folder that holds them is also the LoRA filesystem resolver's (VLLM_LORA_RESOLVER_CACHE_DIR); only
/// <see cref="Resolvable"/> names the served model as its base (the others name the model's path, as PEFT writes the
/// path it loaded), so only it resolves by name.
/// </summary>
public sealed class RuntimeLoraServedSystem() : ServedSystem("--workers", "2", "--enable-lora", "--max-lora-rank", "8")
{
    public const string Sql = "sql";
    public const string Chat = "chat";
    public const string Rank16 = "rank16";
    public const string Resolvable = "resolvable";

    /// <summary>The name serve gives the model: its folder's name.</summary>
    public string ServedName => Path.GetFileName(ModelDirectory);

    protected override IReadOnlyDictionary<string, string> ServeEnvironment => new Dictionary<string, string>
    {
        ["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] = "true",
        ["VLLM_LORA_RESOLVER_CACHE_DIR"] = ExtrasDirectory,
    };

    protected override async Task<IReadOnlyList<string>> PrepareAsync()
    {
        await MakeLoraAsync(Sql, "--rank", "8", "--alpha", "16", "--seed", "1");
        await MakeLoraAsync(Chat, "--rank", "4", "--alpha", "8", "--targets", "q_proj,v_proj,down_proj", "--seed", "2");
        await MakeLoraAsync(Rank16, "--rank", "16", "--seed", "3");
        await MakeLoraAsync(Resolvable, "--rank", "8", "--seed", "4", "--base-model-name", ServedName);
        return [];
    }
}
