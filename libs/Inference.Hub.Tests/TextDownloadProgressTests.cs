namespace Inference.Hub.Tests;

public sealed class TextDownloadProgressTests
{
    [Fact]
    public void Report_FirstReport_WritesPercentAndMiB()
    {
        var writer = new StringWriter();

        new TextDownloadProgress(writer).Report(new DownloadProgress("Org/Tiny", "model.safetensors", 1 << 20, 4 << 20));

        Assert.Equal("download Org/Tiny: 25% (1.0 of 4.0 MiB) model.safetensors" + Environment.NewLine, writer.ToString());
    }

    [Fact]
    public void Report_ManyAtOnce_WritesTheFirstAndTheLast()
    {
        var writer = new StringWriter();
        var progress = new TextDownloadProgress(writer);

        for (var done = 1; done <= 100; done++) progress.Report(new DownloadProgress("Org/Tiny", "w", done, 100));

        Assert.Equal(2, writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.EndsWith("100% (0.0 of 0.0 MiB) w" + Environment.NewLine, writer.ToString());
    }
}
