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
    public void Join_AFamilyAnEarlierTextHas_IsDroppedWithAComment()
    {
        const string gateway = "# HELP vllm:request_success_total Count.\n# TYPE vllm:request_success_total counter\nvllm:request_success_total 2\n";
        const string scheduler =
            "# HELP vllm:request_success_total Count.\n# TYPE vllm:request_success_total counter\nvllm:request_success_total{worker=\"worker-0\"} 5\n"
            + "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running 1\n";

        var lines = PrometheusText.Join(gateway, scheduler).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(
            [
                "# HELP vllm:request_success_total Count.",
                "# TYPE vllm:request_success_total counter",
                "vllm:request_success_total 2",
                "# TYPE vllm:num_requests_running gauge",
                "vllm:num_requests_running 1",
                "# dropped a second vllm:request_success_total family: an earlier source exports it",
            ],
            lines);
    }

    [Fact]
    public void Join_ADuplicateHistogram_DropsItsBucketsSumAndCountToo()
    {
        const string histogram = "# TYPE ttft histogram\nttft_bucket{le=\"+Inf\"} 1\nttft_sum 0.5\nttft_count 1\n";

        var joined = PrometheusText.Join(histogram, histogram.Replace(" 1\n", " 9\n"));

        Assert.DoesNotContain(" 9", joined);
        Assert.Single(joined.Split('\n'), l => l.StartsWith("# TYPE ttft", StringComparison.Ordinal));
    }

    [Fact]
    public void Join_APlainComment_IsKept()
    {
        Assert.Equal("a 1\n# the scheduler did not answer\n", PrometheusText.Join("a 1\n", "# the scheduler did not answer\n"));
    }
}
