namespace Integration.Tests.Lora;

/// <summary>
/// The tiny random Qwen2 checkpoint served by two workers with two random LoRA adapters from `make-lora`
/// (`serve --lora-modules`), as a user serves a downloaded base model with PEFT adapters.
/// </summary>
public sealed class LoraServedSystem() : ServedSystem("--workers", "2", "--enable-lora")
{
    public const string SqlAdapter = "tiny-sql-lora";
    public const string ChatAdapter = "tiny-chat-lora";

    protected override async Task<IReadOnlyList<string>> PrepareAsync()
    {
        // Two adapters that differ in rank, targets and seed, so each changes the output its own way.
        await MakeLoraAsync(SqlAdapter, "--rank", "8", "--alpha", "16", "--seed", "1");
        await MakeLoraAsync(ChatAdapter, "--rank", "4", "--alpha", "8", "--targets", "q_proj,v_proj,down_proj", "--seed", "2");
        return ["--lora-modules", $"{SqlAdapter}={AdapterPath(SqlAdapter)}", $$"""{"name": "{{ChatAdapter}}", "path": "{{AdapterPath(ChatAdapter)}}"}"""];
    }
}
