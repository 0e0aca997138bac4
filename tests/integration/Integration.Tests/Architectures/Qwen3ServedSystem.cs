namespace Integration.Tests.Architectures;

/// <summary>The system serving a tiny random Qwen3ForCausalLM checkpoint (`make-model --arch qwen3`), with the Qwen3 tokenizer and chat template.</summary>
public sealed class Qwen3ServedSystem : ServedSystem
{
    protected override IReadOnlyList<string> MakeModelArguments => ["--arch", "qwen3", "--preset", "tiny", "--seed", "0"];
}
