using Worker.Service;

namespace Worker.Tests.Service;

public sealed class WeightLoadProgressLogTests
{
    [Fact]
    public void Report_LogsEachNewTenthAtOnceAndInOrder()
    {
        var logged = new List<int>();
        var progress = new WeightLoadProgressLog(logged.Add);

        progress.Report(0.05);
        Assert.Equal([0], logged);    // logged before Report returned, not posted to another thread
        foreach (double fraction in new[] { 0.1, 0.19, 0.5, 0.3, 0.55, 1.0, 1.0 })
        {
            progress.Report(fraction);
        }

        Assert.Equal([0, 10, 50, 100], logged);
    }
}
