namespace Inference.Testing.Checkpoints;

/// <summary>The Qwen2.5 and Qwen3 tokenizer files (fixtures/qwen2.5-tokenizer, fixtures/qwen3-tokenizer), embedded in this assembly.</summary>
public static class EmbeddedTokenizer
{
    private static readonly string[] FileNames = ["tokenizer.json", "tokenizer_config.json"];

    public enum Flavour
    {
        /// <summary>fixtures/qwen2.5-tokenizer.</summary>
        Qwen25,

        /// <summary>fixtures/qwen3-tokenizer (same vocabulary, the Qwen3 chat template with thinking).</summary>
        Qwen3,
    }

    public static void CopyTo(string directory, Flavour flavour = Flavour.Qwen25)
    {
        var assembly = typeof(EmbeddedTokenizer).Assembly;
        foreach (string fileName in FileNames)
        {
            string resource = $"Inference.Testing.Tokenizer.{flavour}.{fileName}";
            using var source = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"Embedded resource '{resource}' is missing from {assembly.GetName().Name}.");
            using var target = File.Create(Path.Combine(directory, fileName));
            source.CopyTo(target);
        }
    }
}
