namespace Worker.Runtime.Models;

/// <summary>
/// What one forward pass returns, valid until the model's next forward: logits [batch.LogitTokens.Count, vocab] and
/// final-normed hidden states [batch.HiddenTokens.Count, hidden], each in the order its rows were requested.
/// </summary>
public readonly ref struct ForwardOutput(ReadOnlySpan<float> logits, ReadOnlySpan<float> hidden)
{
    public ReadOnlySpan<float> Logits { get; } = logits;

    /// <summary>The hidden state after the final norm: the vector the LM head multiplies (HF's last_hidden_state).</summary>
    public ReadOnlySpan<float> Hidden { get; } = hidden;
}
