using Inference.Cli.Benchmarks;

namespace Inference.Cli.Tests.Benchmarks;

public sealed class PrometheusSumsTests
{
    [Fact]
    public void Parse_SumsAMetricOverItsLabelSets()
    {
        var text = """
            # TYPE inference:steps_total counter
            inference:steps_total{model_name="m",worker="worker-0"} 12
            inference:steps_total{model_name="m",worker="worker-1"} 30
            """;

        Assert.Equal(42, PrometheusSums.Parse(text)["inference:steps_total"]);
    }

    [Fact]
    public void Parse_ReadsAMetricWithoutLabelsAndAFractionalValue()
    {
        Assert.Equal(1.25e-1, PrometheusSums.Parse("inference:worker_step_seconds_total 1.25e-1\n")["inference:worker_step_seconds_total"]);
    }

    [Fact]
    public void Parse_SkipsCommentsAndLinesWithoutAValue()
    {
        var sums = PrometheusSums.Parse("# HELP a_total A counter.\nbroken{\n");

        Assert.Empty(sums);
    }
}
