namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// How a model file names the sizes of a <see cref="DecoderSpec"/> (config.json's keys, or GGUF metadata keys), so
/// one check serves both and each message names the field the file has.
/// </summary>
internal sealed record DecoderSpecNames(
    string Vocab, string Hidden, string Intermediate, string Layers, string Heads, string KvHeads, string RmsNormEps)
{
    public static DecoderSpecNames ConfigJson { get; } = new(
        "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "rms_norm_eps");

    /// <exception cref="InvalidDataException">A size is not positive, or the KV heads do not divide the heads (names the field and <paramref name="source"/>).</exception>
    public void Validate(DecoderSpec s, string source)
    {
        Check(source, s.Vocab > 0, $"{Vocab} must be > 0, got {s.Vocab}");
        Check(source, s.Hidden > 0, $"{Hidden} must be > 0, got {s.Hidden}");
        Check(source, s.Intermediate > 0, $"{Intermediate} must be > 0, got {s.Intermediate}");
        Check(source, s.Layers > 0, $"{Layers} must be > 0, got {s.Layers}");
        Check(source, s.KvHeads > 0 && s.Heads % s.KvHeads == 0, $"{KvHeads} must divide {Heads} {s.Heads}, got {s.KvHeads}");
        Check(source, s.RmsNormEps > 0, $"{RmsNormEps} must be > 0, got {s.RmsNormEps}");
    }

    private static void Check(string source, bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException($"{source}: {message}.");
        }
    }
}
