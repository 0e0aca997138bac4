namespace Inference.Observability.Tests;

public sealed class PrometheusTextTests
{
    [Fact]
    public void Join_DistinctFamilies_KeepsEveryLineInOrder()
    {
        const string first = "# TYPE a_total counter\na_total 1\n";
        const string second = "# TYPE b gauge\nb{worker=\"worker-0\"} 2\n";

        Assert.Equal(first + second, PrometheusText.Join(first, second));
    }

    [Fact]
    public void Join_AFamilyALaterTextHas_IsLeftOutOfTheEarlierWithAComment()
    {
        const string gateway =
            "# HELP vllm:request_success_total Count.\n# TYPE vllm:request_success_total counter\nvllm:request_success_total 2\n"
            + "# TYPE gateway_only gauge\ngateway_only 1\n";
        const string scheduler =
            "# TYPE vllm:request_success_total counter\nvllm:request_success_total{worker=\"worker-0\"} 5\n";

        var lines = PrometheusText.Join(gateway, scheduler).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(
            [
                "# vllm:request_success_total left out here: a later source exports it",
                "# TYPE gateway_only gauge",
                "gateway_only 1",
                "# TYPE vllm:request_success_total counter",
                "vllm:request_success_total{worker=\"worker-0\"} 5",
            ],
            lines);
    }

    [Fact]
    public void Join_ADuplicateHistogram_LeavesOutItsBucketsSumAndCountToo()
    {
        const string histogram = "# TYPE ttft histogram\nttft_bucket{le=\"+Inf\"} 1\nttft_sum 0.5\nttft_count 1\n";

        var joined = PrometheusText.Join(histogram.Replace(" 1\n", " 9\n"), histogram);

        Assert.DoesNotContain(" 9", joined);
        Assert.Single(joined.Split('\n'), l => l.StartsWith("# TYPE ttft", StringComparison.Ordinal));
    }

    [Fact]
    public void Join_APlainComment_IsKept()
    {
        Assert.Equal("a 1\n# the scheduler did not answer\n", PrometheusText.Join("a 1\n", "# the scheduler did not answer\n"));
    }
}
