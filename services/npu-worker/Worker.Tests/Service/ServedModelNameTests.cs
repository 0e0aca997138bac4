using Worker.Service;

namespace Worker.Tests.Service;

/// <summary>The default served model name of a worker whose model is mounted (compose: MODEL_DIR at /model).</summary>
public sealed class ServedModelNameTests
{
    [Theory]
    [InlineData("/data/hf/Qwen2.5-0.5B-Instruct", "Qwen2.5-0.5B-Instruct")]
    [InlineData("./models/qwen2-tiny-random-seed0", "qwen2-tiny-random-seed0")]
    [InlineData("../Qwen3-8B/", "Qwen3-8B")]
    [InlineData(@"C:\models\Llama-3.2-1B-Instruct", "Llama-3.2-1B-Instruct")]
    [InlineData("Qwen3-0.6B", "Qwen3-0.6B")]
    public void FolderName_OfAHostPath_IsItsLastSegment(string path, string expected) =>
        Assert.Equal(expected, FolderName.Of(path));

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("./")]
    public void FolderName_OfAPathWithoutAName_IsNull(string path) =>
        Assert.Null(FolderName.Of(path));

    [Fact]
    public void RunnerOptions_WithHostModelPath_NameTheModelByTheHostFolder()
    {
        var options = ModelLoader.ToRunnerOptions(new WorkerOptions { ModelPath = "/model", HostModelPath = "/data/Qwen3-8B" });

        Assert.Equal("Qwen3-8B", options.ServedModelName);
    }

    [Fact]
    public void RunnerOptions_WithServedModelName_KeepItOverTheHostFolder()
    {
        var options = ModelLoader.ToRunnerOptions(new WorkerOptions { ModelPath = "/model", HostModelPath = "/data/Qwen3-8B", ServedModelName = "qwen3" });

        Assert.Equal("qwen3", options.ServedModelName);
    }

    [Fact]
    public void RunnerOptions_WithoutEither_LeaveTheNameToTheModelFolder()
    {
        var options = ModelLoader.ToRunnerOptions(new WorkerOptions { ModelPath = "/model" });

        Assert.Null(options.ServedModelName);
    }
}
