using Inference.Cli.CommandLine;
using Worker.Runtime.Lora;

namespace Inference.Cli.Tests.CommandLine;

public sealed class LoraModulesArgumentTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lora-modules-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Adapter(string name)
    {
        var folder = Path.Combine(_root, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "adapter_config.json"), "{}");
        return folder;
    }

    [Fact]
    public void PairsAndJsonObjects_AreReadWithFullPaths()
    {
        var sql = Adapter("sql");
        var chat = Adapter("chat");

        var modules = LoraModulesArgument.Parse(
            [$"sql-lora={sql}", $$"""{"name": "chat-lora", "path": "{{chat}}", "base_model_name": "base"}"""], "base");

        Assert.Equal([new LoraModule("sql-lora", sql), new LoraModule("chat-lora", chat)], modules);
    }

    [Theory]
    [InlineData("no-equals", "is not name=path")]
    [InlineData("=/x", "is not name=path")]
    [InlineData("name=", "is not name=path")]
    [InlineData("{\"name\": \"a\"}", "needs a string 'path'")]
    [InlineData("{\"name\": \"a\", \"path\": \"/x\", \"rank\": 8}", "unknown field 'rank'")]
    [InlineData("{not json", "is not valid JSON")]
    public void MalformedEntries_AreRefused(string entry, string expected)
    {
        var error = Assert.Throws<UsageException>(() => LoraModulesArgument.Parse([entry], "base"));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void AFolderWithoutAdapterConfig_IsRefusedBeforeAnythingStarts()
    {
        var error = Assert.Throws<UsageException>(() => LoraModulesArgument.Parse([$"a={_root}"], "base"));

        Assert.Contains("has no adapter_config.json", error.Message);
    }

    [Fact]
    public void ARepeatedName_TheServedModelsName_OrAnotherBaseModel_AreRefused()
    {
        var folder = Adapter("a");

        Assert.Contains("given twice", Assert.Throws<UsageException>(() => LoraModulesArgument.Parse([$"a={folder}", $"a={folder}"], "base")).Message);
        Assert.Contains("served model's own name", Assert.Throws<UsageException>(() => LoraModulesArgument.Parse([$"base={folder}"], "base")).Message);
        Assert.Contains("is not the served model", Assert.Throws<UsageException>(() =>
            LoraModulesArgument.Parse([$$"""{"name": "a", "path": "{{folder}}", "base_model_name": "other"}"""], "base")).Message);
    }

    [Fact]
    public void MaxLoraRank_RefusesAHigherRank_AndAcceptsItsOwn()
    {
        var folder = Adapter("ranked");
        File.WriteAllText(Path.Combine(folder, "adapter_config.json"), """{"r": 32, "lora_alpha": 16, "target_modules": ["q_proj"]}""");

        Assert.Single(LoraModulesArgument.Parse([$"a={folder}"], "base", maxLoraRank: 32));
        var error = Assert.Throws<UsageException>(() => LoraModulesArgument.Parse([$"a={folder}"], "base", maxLoraRank: 16));

        Assert.Contains("rank 32 is greater than --max-lora-rank 16", error.Message);
    }
}
