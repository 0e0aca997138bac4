using Inference.Cli.CommandLine;

namespace Inference.Cli.Tests.CommandLine;

public sealed class CommandArgumentsTests
{
    [Fact]
    public void VllmStyleOptions_UnderscoresAndEquals_ReadAsTheDashedNames()
    {
        var args = CommandArguments.Parse(["--max_model_len=1024", "--max-num-seqs", "8", "--no_enable_prefix_caching"]);

        Assert.Equal(1024, args.Int("max-model-len"));
        Assert.Equal(8, args.Int("max-num-seqs"));
        Assert.True(args.Flag("no-enable-prefix-caching"));
        args.EnsureAllRead();
    }

    [Fact]
    public void AnOptionNoCommandReads_IsReportedAsUnknown()
    {
        var args = CommandArguments.Parse(["--tensor_parallel_size=2"]);

        var error = Assert.Throws<UsageException>(args.EnsureAllRead);

        Assert.Contains("tensor-parallel-size", error.Message);
    }

    [Fact]
    public void AListOption_TakesEveryValueUpToTheNextOption()
    {
        var args = CommandArguments.Parse(["--lora-modules", "a=/x", "b=/y", "--port", "8000", "--lora-modules=c=/z"]);

        Assert.Equal(["a=/x", "b=/y", "c=/z"], args.Strings("lora-modules"));
        Assert.Equal(8000, args.Int("port"));
        args.EnsureAllRead();
    }

    [Fact]
    public void ASecondValueOfAOneValueOption_IsRefusedByName()
    {
        var args = CommandArguments.Parse(["--model", "a", "b"]);

        var error = Assert.Throws<UsageException>(() => args.String("model"));

        Assert.Contains("--model takes one value", error.Message);
    }

    [Theory]
    [InlineData("stray")]
    [InlineData("--")]
    public void ABareArgumentBeforeAnyOption_IsRefused(string first)
    {
        var error = Assert.Throws<UsageException>(() => CommandArguments.Parse([first, "--port", "1"]));

        Assert.Contains("options start with --", error.Message);
    }
}
