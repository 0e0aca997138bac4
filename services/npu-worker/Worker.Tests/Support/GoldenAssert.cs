using System.Text.Json;

namespace Worker.Tests.Support;

/// <summary>Checks against a golden fixture's top logits (a JSON array of {id, logit}, best first).</summary>
internal static class GoldenAssert
{
    /// <summary>The golden and the reference implementations agree to this, in a logit.</summary>
    public const float Tolerance = 1e-3f;

    /// <summary>The best ids equal the fixture's, in order, and each of their logits is within <see cref="Tolerance"/>.</summary>
    public static void TopLogits(JsonElement expectedTop, float[] logits)
    {
        var expected = expectedTop.EnumerateArray().Select(e => (Id: e.GetProperty("id").GetInt32(), Logit: e.GetProperty("logit").GetSingle())).ToArray();
        var actualIds = logits.Select((value, id) => (value, id)).OrderByDescending(p => p.value).Take(expected.Length).Select(p => p.id).ToArray();
        Assert.Equal(expected.Select(e => e.Id).ToArray(), actualIds);
        foreach (var (id, logit) in expected)
        {
            Assert.True(Math.Abs(logits[id] - logit) <= Tolerance, $"logit of {id}: expected {logit}, got {logits[id]}");
        }
    }
}
