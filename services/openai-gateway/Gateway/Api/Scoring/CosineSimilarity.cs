namespace Gateway.Api.Scoring;

/// <summary>
/// The cosine similarity of two embeddings, x·y / max(‖x‖‖y‖, ε), as the torch CosineSimilarity that vLLM's embedding
/// score uses (ε = 1e-8, so a zero vector scores 0, not NaN); summed in double precision (each float32 value is exact
/// in a double), where vLLM sums in float32, so the rounding of long embeddings stays far below float32's.
/// </summary>
public static class CosineSimilarity
{
    private const double Epsilon = 1e-8;

    public static double Of(float[] x, float[] y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"Embeddings of {x.Length} and {y.Length} values have no cosine similarity.", nameof(y));
        }

        double dot = 0, xx = 0, yy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            dot += (double)x[i] * y[i];
            xx += (double)x[i] * x[i];
            yy += (double)y[i] * y[i];
        }

        return dot / Math.Max(Math.Sqrt(xx * yy), Epsilon);
    }
}
