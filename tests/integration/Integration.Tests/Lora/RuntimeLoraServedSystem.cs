namespace Integration.Tests.Lora;

/// <summary>
/// `serve --workers 2 --enable-lora --max-lora-rank 8` with VLLM_ALLOW_RUNTIME_LORA_UPDATING=true and no adapters at
/// start: three `make-lora` folders wait beside the model to be loaded through the API, as vLLM's users load theirs.
/// </summary>
public sealed class RuntimeLoraServedSystem() : ServedSystem(
    new Dictionary<string, string> { ["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] = "true" },
    "--workers", "2", "--enable-lora", "--max-lora-rank", "8")
{
    public const string Sql = "sql";
    public const string Chat = "chat";
    public const string Rank16 = "rank16";

    protected override async Task<IReadOnlyList<string>> PrepareAsync()
    {
        await MakeLoraAsync(Sql, "--rank", "8", "--alpha", "16", "--seed", "1");
        await MakeLoraAsync(Chat, "--rank", "4", "--alpha", "8", "--targets", "q_proj,v_proj,down_proj", "--seed", "2");
        await MakeLoraAsync(Rank16, "--rank", "16", "--seed", "3");
        return [];
    }
}
