using Inference.Contracts.Worker.V1;
using Inference.Testing.Checkpoints;
using Worker.Runtime.Lora;
using Worker.Service;
using Worker.Tests.Support;

namespace Worker.Tests.Service;

/// <summary>Worker:LoraModules: parsed and validated at start (errors name the key), loaded after the model, listed by Info.</summary>
public sealed class WorkerLoraModulesTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Parse_NamePathEntries_SeparatedBySpacesOrCommas()
    {
        var (modules, errors) = LoraModulesOption.Parse(" sql=/a/sql, chat=/a/chat\tx=y ");
        Assert.Empty(errors);
        Assert.Equal([new LoraModule("sql", "/a/sql"), new LoraModule("chat", "/a/chat"), new LoraModule("x", "y")], modules);
    }

    [Fact]
    public void Parse_Empty_IsNone()
    {
        Assert.Empty(LoraModulesOption.Parse("").Modules);
        Assert.Empty(LoraModulesOption.Parse(null).Modules);
    }

    [Theory]
    [InlineData("sql", "Worker:LoraModules entry 'sql' must be name=path.")]
    [InlineData("=/a/sql", "Worker:LoraModules entry '=/a/sql' needs both a name and a path (name=path).")]
    [InlineData("sql=", "Worker:LoraModules entry 'sql=' needs both a name and a path (name=path).")]
    public void Validate_BadEntry_FailsNamingTheKey(string value, string expected)
    {
        var result = Validate(new WorkerOptions { ModelPath = _dir.Path, LoraModules = value });
        Assert.Contains(expected, result);
    }

    [Fact]
    public void Validate_DuplicateName_FailsNamingTheKey()
    {
        var result = Validate(new WorkerOptions { ModelPath = _dir.Path, LoraModules = $"a={_dir.Path} a={_dir.Path}" });
        Assert.Contains("Worker:LoraModules names 'a' more than once.", result);
    }

    [Fact]
    public void Validate_NameOfTheServedModel_FailsNamingTheKey()
    {
        var result = Validate(new WorkerOptions { ModelPath = _dir.Path, ServedModelName = "qwen", LoraModules = $"qwen={_dir.Path}" });
        Assert.Contains("Worker:LoraModules name 'qwen' is the served model name; an adapter needs a model name of its own.", result);
    }

    [Fact]
    public void Validate_NameOfTheModelFolder_WhenNoServedName_FailsNamingTheKey()
    {
        string folder = new DirectoryInfo(_dir.Path).Name;
        var result = Validate(new WorkerOptions { ModelPath = _dir.Path, LoraModules = $"{folder}={_dir.Path}" });
        Assert.Contains($"Worker:LoraModules name '{folder}' is the served model name; an adapter needs a model name of its own.", result);
    }

    [Fact]
    public void Validate_MissingFolder_FailsNamingTheKey()
    {
        string missing = Path.Combine(_dir.Path, "nope");
        var result = Validate(new WorkerOptions { ModelPath = _dir.Path, LoraModules = $"a={missing}" });
        Assert.Contains($"Worker:LoraModules path '{missing}' of 'a' is not a folder.", result);
    }

    [Fact]
    public void Validate_GoodEntries_Pass()
    {
        var options = new WorkerOptions { ModelPath = _dir.Path, LoraModules = $"a={_dir.Path},b={_dir.Path}" };
        Assert.True(new WorkerOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(["a", "b"], ModelLoader.ToRunnerOptions(options).LoraModules.Select(m => m.Name));
    }

    [Fact]
    public async Task Info_ListsTheLoadedAdapters()
    {
        string sql = Path.Combine(_dir.Path, "sql"), chat = Path.Combine(_dir.Path, "chat");
        RandomLoraWriter.Write(sql, WorkerServiceHost.Model.Decoder, new RandomLoraSpec(Rank: 4, Seed: 1));
        RandomLoraWriter.Write(chat, WorkerServiceHost.Model.Decoder, new RandomLoraSpec(Rank: 8, TargetModules: ["q_proj", "v_proj"], Seed: 2));
        await using var host = await WorkerServiceHost.StartAsync(null, $"--Worker:LoraModules=sql={sql} chat={chat}");

        var info = await host.Client.InfoAsync(new InfoRequest(), deadline: WorkerServiceHost.Deadline());

        Assert.Equal([("sql", sql, 4), ("chat", chat, 8)], info.LoraAdapters.Select(a => (a.Name, a.Path, a.Rank)));
    }

    private static IEnumerable<string> Validate(WorkerOptions options)
    {
        var result = new WorkerOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        return result.Failures!;
    }
}
