namespace Integration.Tests.Architectures;

/// <summary>
/// The system serving a tiny random Qwen3ForCausalLM checkpoint (`make-model --arch qwen3`), with the Qwen3 tokenizer
/// and chat template, and the qwen3 reasoning parser, as vLLM serves Qwen3 (`--reasoning-parser qwen3`).
/// </summary>
public sealed class Qwen3ServedSystem() : ServedSystem("--reasoning-parser", "qwen3")
{
    protected override IReadOnlyList<string> MakeModelArguments => ["--arch", "qwen3", "--preset", "tiny", "--seed", "0"];
}
