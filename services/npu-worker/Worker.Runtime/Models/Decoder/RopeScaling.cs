namespace Worker.Runtime.Models.Decoder;

/// <summary>A config.json `rope_scaling` that changes the rotary frequencies for a longer context.</summary>
public abstract record RopeScaling
{
    /// <summary>The `rope_type` name in config.json.</summary>
    public abstract string TypeName { get; }

    /// <summary>The scale applied to cos and sin (1 when the method has none).</summary>
    public abstract float AttentionFactor { get; }

    /// <summary>Scales the default inverse frequencies, in place.</summary>
    /// <param name="powers">theta^(2i/d) in fp32, i &lt; d/2.</param>
    /// <param name="inverseFrequencies">1 / powers on entry; the scaled frequencies on return.</param>
    public abstract void Apply(ReadOnlySpan<float> powers, Span<float> inverseFrequencies);

    /// <summary>The context the scaled model serves, given config.json's max_position_embeddings.</summary>
    public abstract int ContextLength(int maxPositionEmbeddings);
}
