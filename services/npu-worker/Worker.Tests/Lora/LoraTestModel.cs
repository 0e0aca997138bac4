using Worker.Runtime.Models.Decoder;

namespace Worker.Tests.Lora;

/// <summary>The base model dims the adapter reader and delta tests write adapters for.</summary>
internal static class LoraTestModel
{
    /// <summary>Hidden 64, intermediate 96, 2 layers, 4 heads of 16 over 2 KV heads: q is [64, 64], k and v [32, 64].</summary>
    public static readonly DecoderSpec Spec = new(512, 64, 96, 2, 4, 2, 16, 1e-6f, QkvBias: true, QkNorm: false, TieWordEmbeddings: false,
        new RotaryEmbedding(1_000_000, 16, scaling: null));
}
