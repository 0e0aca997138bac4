using Integration.Tests.Support;

namespace Integration.Tests.Fleet;

public static class FleetAssert
{
    /// <summary>Every answer is the expected one; the failure lists each call that differs and how.</summary>
    public static void SameAnswers(IReadOnlyList<CompletionAnswer> expected, IReadOnlyList<CompletionAnswer> actual, IReadOnlyList<object> calls)
    {
        Assert.Equal(expected.Count, actual.Count);
        var differences = Enumerable.Range(0, expected.Count)
            .Select(i => actual[i].DifferenceFrom(expected[i]) is { } difference ? $"#{i} ({calls[i]}): {difference}" : null)
            .OfType<string>()
            .ToList();
        Assert.True(differences.Count == 0, $"{differences.Count} of {expected.Count} answers differ:\n{string.Join('\n', differences)}");
    }
}
