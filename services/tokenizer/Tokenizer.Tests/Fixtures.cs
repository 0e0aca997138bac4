using Tokenizer.Core;

namespace Tokenizer.Tests;

/// <summary>Locates the repository's fixtures and loads each tokenizer once per test run.</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> s_root = new(FindRoot);
    private static readonly Lazy<QwenTokenizer> s_qwen3 = new(() => QwenTokenizer.Load(Qwen3Directory, new TokenizerOptions()));
    private static readonly Lazy<QwenTokenizer> s_qwen25 = new(() => QwenTokenizer.Load(Qwen25Directory, new TokenizerOptions()));

    public static string Root => s_root.Value;
    public static string Qwen3Directory => Path.Combine(Root, "fixtures", "qwen3-tokenizer");
    public static string Qwen25Directory => Path.Combine(Root, "fixtures", "qwen2.5-tokenizer");
    public static string ConformancePath => Path.Combine(Root, "fixtures", "tokenizer", "qwen3-conformance.json");
    public static QwenTokenizer Qwen3 => s_qwen3.Value;
    public static QwenTokenizer Qwen25 => s_qwen25.Value;

    /// <summary>The models whose chat templates the chat tests render, by their fixtures' names.</summary>
    public static TheoryData<string> ChatModels => new() { "qwen2.5", "qwen3" };

    /// <summary>The tokenizer of a <see cref="ChatModels"/> name.</summary>
    public static QwenTokenizer ForChatModel(string model) => model == "qwen3" ? Qwen3 : Qwen25;

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "fixtures", "qwen3-tokenizer")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("fixtures/qwen3-tokenizer not found above " + AppContext.BaseDirectory);
    }
}
