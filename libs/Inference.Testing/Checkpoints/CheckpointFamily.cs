namespace Inference.Testing.Checkpoints;

/// <summary>The architecture of a random checkpoint: `make-model --arch qwen2|qwen3|llama|qwen3_moe|qwen2_moe`.</summary>
public enum CheckpointFamily
{
    /// <summary>Qwen2ForCausalLM, with the Qwen2.5 tokenizer.</summary>
    Qwen2,

    /// <summary>Qwen3ForCausalLM (q/k norms, no q/k/v bias, explicit head_dim), with the Qwen3 tokenizer.</summary>
    Qwen3,

    /// <summary>LlamaForCausalLM (no bias), with the Qwen2.5 tokenizer files and that vocabulary's bos/eos ids.</summary>
    Llama,

    /// <summary>Qwen3MoeForCausalLM: Qwen3's attention, a mixture of experts in every layer's MLP, with the Qwen3 tokenizer.</summary>
    Qwen3Moe,

    /// <summary>Qwen2MoeForCausalLM: Qwen2's attention, routed experts plus a shared expert, with the Qwen2.5 tokenizer.</summary>
    Qwen2Moe,
}
