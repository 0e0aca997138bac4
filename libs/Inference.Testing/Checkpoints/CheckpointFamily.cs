namespace Inference.Testing.Checkpoints;

/// <summary>The architecture of a random checkpoint: `make-model --arch qwen2|qwen3|llama`.</summary>
public enum CheckpointFamily
{
    /// <summary>Qwen2ForCausalLM, with the Qwen2.5 tokenizer.</summary>
    Qwen2,

    /// <summary>Qwen3ForCausalLM (q/k norms, no q/k/v bias, explicit head_dim), with the Qwen3 tokenizer.</summary>
    Qwen3,

    /// <summary>LlamaForCausalLM (no bias), with the Qwen2.5 tokenizer files and that vocabulary's bos/eos ids.</summary>
    Llama,
}
