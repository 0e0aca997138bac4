using System.Text.Json.Nodes;
using Tokenizer.Core.Loading;
using Tokenizer.Service.Hosting;

namespace Tokenizer.Tests;

/// <summary>The service's start: Program exits with code 1 on a <see cref="TokenizerLoadException"/> that Build logged.</summary>
public sealed class TokenizerAppTests
{
    [Fact]
    public void Build_WithATokenizerItDoesNotReproduce_ThrowsTheLoadExceptionNamingTheField()
    {
        string dir = Directory.CreateTempSubdirectory("tok").FullName;
        try
        {
            // NFKC is neither the Qwen2 family's NFC nor Llama 3's none.
            JsonNode tokenizer = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Qwen3Directory, "tokenizer.json")))!;
            tokenizer["normalizer"] = new JsonObject { ["type"] = "NFKC" };
            File.WriteAllText(Path.Combine(dir, "tokenizer.json"), tokenizer.ToJsonString());
            File.Copy(Path.Combine(Fixtures.Qwen3Directory, "tokenizer_config.json"), Path.Combine(dir, "tokenizer_config.json"));

            var error = Assert.Throws<TokenizerLoadException>(() => TokenizerApp.Build(
                ["--urls", "http://127.0.0.1:0", "--Tokenizer:ModelPath", dir, "--Logging:LogLevel:Default", "None"]));

            Assert.Contains("normalizer", error.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
