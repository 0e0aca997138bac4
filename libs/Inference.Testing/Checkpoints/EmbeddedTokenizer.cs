namespace Inference.Testing.Checkpoints;

/// <summary>The Qwen2.5 tokenizer files (fixtures/qwen2.5-tokenizer), embedded in this assembly.</summary>
internal static class EmbeddedTokenizer
{
    private static readonly string[] FileNames = ["tokenizer.json", "tokenizer_config.json"];

    public static void CopyTo(string directory)
    {
        var assembly = typeof(EmbeddedTokenizer).Assembly;
        foreach (string fileName in FileNames)
        {
            string resource = "Inference.Testing.Tokenizer." + fileName;
            using var source = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"Embedded resource '{resource}' is missing from {assembly.GetName().Name}.");
            using var target = File.Create(Path.Combine(directory, fileName));
            source.CopyTo(target);
        }
    }
}
